"""House rules of the templates that a page's tests would not notice when broken."""

import re
from pathlib import Path

from django.conf import settings

ROOTS = [Path(settings.BASE_DIR) / "templates", Path(settings.BASE_DIR) / "prototypes/templates"]


def templates():
    for root in ROOTS:
        yield from sorted(root.rglob("*.html"))


def test_an_htmx_partial_replaces_its_target_whole():
    """The partial is the swap target itself (README, "Layout"), so swapping it in innerHTML
    would nest a second copy of the target, ids and all."""
    inner = [
        f"{path.relative_to(settings.BASE_DIR)}:{number}"
        for path in templates()
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if re.search(r'hx-swap="innerHTML', line)
    ]

    assert inner == []
