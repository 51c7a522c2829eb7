"""The events table's indexes for reports at scale (issue #21): one covering index answers the
report's per-session event queries without reading the table's pages; the plain session and
screen indexes go, as other indexes begin with those columns (one index write less per event).
Building the index blocks writes to the events table while it runs (about 10 s per 5 million
events on the benchmark machine): docs/deploy.md, "The events table"."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("prototypes", "0021_audio_transcripts"),
    ]

    operations = [
        migrations.AlterField(
            model_name="event",
            name="screen",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="prototypes.screen",
            ),
        ),
        migrations.AlterField(
            model_name="event",
            name="session",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="events",
                to="prototypes.participantsession",
            ),
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(
                fields=["session", "type", "task", "t_ms", "id"],
                include=("screen",),
                name="event_session_type_cover",
            ),
        ),
    ]
