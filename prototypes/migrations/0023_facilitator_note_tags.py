"""Facilitators' notes are tagged and quoted in the study's summary like observers' notes
(issue #16)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("prototypes", "0022_events_by_session_type"),
    ]

    operations = [
        migrations.AddField(
            model_name="note",
            name="tags",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="note",
            name="quoted",
            field=models.BooleanField(default=False),
        ),
    ]
