"""Write docs/api.md from the OpenAPI document (prototypes/api/openapi.py)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from prototypes.api.docs import markdown
from prototypes.api.openapi import document


def docs_path():
    return Path(settings.BASE_DIR) / "docs" / "api.md"


class Command(BaseCommand):
    help = "Write docs/api.md from the OpenAPI document; --check only compares."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="Fail if docs/api.md differs from the document."
        )

    def handle(self, *args, check=False, **options):
        path, text = docs_path(), markdown(document())
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                raise CommandError(f"{path} is out of date: run manage.py api_docs.")
            return
        path.write_text(text, encoding="utf-8")
        self.stdout.write(f"Wrote {path}.")
