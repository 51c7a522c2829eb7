from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("prototypes", "0002_invitation_sent_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="participantsession",
            name="dropped_events",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AlterField(
            model_name="event",
            name="type",
            field=models.CharField(
                choices=[
                    ("task_start", "Task started"),
                    ("task_end", "Task ended"),
                    ("click", "Hotspot click"),
                    ("misclick", "Misclick"),
                    ("navigate", "Screen shown"),
                    ("answer", "Answer"),
                    ("comment", "Comment"),
                    ("give_up", "Gave up"),
                    ("text", "Typed answer"),
                    ("session_end", "Session finished"),
                ],
                max_length=16,
            ),
        ),
    ]
