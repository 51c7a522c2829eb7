from django.db import migrations, models


def imported_are_done(apps, schema_editor):
    EvidenceImport = apps.get_model("prototypes", "EvidenceImport")
    EvidenceImport.objects.filter(imported_at__isnull=False).update(status="done")


class Migration(migrations.Migration):
    dependencies = [
        ("prototypes", "0013_card_sort_group_merges"),
    ]

    operations = [
        migrations.AddField(
            model_name="evidenceimport",
            name="status",
            field=models.CharField(
                choices=[
                    ("staged", "Waiting for its columns to be checked"),
                    ("pending", "Waiting to start"),
                    ("running", "Importing"),
                    ("done", "Imported"),
                    ("failed", "Refused"),
                ],
                default="staged",
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="evidenceimport",
            name="step",
            field=models.CharField(
                blank=True,
                choices=[
                    ("reading", "Reading and masking rows"),
                    ("grouping", "Grouping into themes"),
                ],
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="evidenceimport",
            name="rows_read",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="evidenceimport",
            name="error",
            field=models.TextField(blank=True),
        ),
        migrations.RunPython(imported_are_done, migrations.RunPython.noop),
    ]
