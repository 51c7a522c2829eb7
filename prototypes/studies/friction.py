"""Promoting a friction theme to a Problem, with its statement written from the evidence."""

from django.db import transaction
from django.utils import timezone

from prototypes.friction.models import Item
from prototypes.studies.models import Problem


def statement(theme):
    """Title, who, what and evidence of the Problem a theme becomes (the designer edits it)."""
    quotes = list(Item.objects.filter(pk__in=theme.quotes).values_list("pk", "text", "source"))
    quotes.sort(key=lambda row: theme.quotes.index(row[0]))
    segments = ", ".join(segment for segment, _ in theme.segments[:3])
    sources = sorted(
        set(
            Item.objects.filter(theme=theme, duplicate_of=None)
            .values_list("source", flat=True)
            .distinct()
        )
    )
    rating = f"; average rating {theme.average_rating:.1f} of 5" if theme.average_rating else ""
    who = f"{theme.size:,} customers who wrote to us about it"
    if segments:
        who += f", mostly {segments}"
    evidence = [
        f"{theme.size:,} distinct items ({theme.copies:,} with repeats) from "
        f"{', '.join(sources) or 'the inbox'}{rating}.",
        *(f"“{text.strip()[:300]}” ({source})" for _, text, source in quotes),
    ]
    return {
        "title": theme.name[:200],
        "who": who + ".",
        "what": f"Key words in what they write: {', '.join(theme.key_terms)}.",
        "evidence": "\n".join(evidence),
    }


@transaction.atomic
def promote(theme):
    """Create the Problem of a theme in one step, linked to its evidence."""
    problem = Problem.objects.create(workspace=theme.workspace, theme=theme, **statement(theme))
    _mark_promoted(theme)
    return problem


def attach(problem, theme):
    """Link an existing Problem to the theme that is its evidence."""
    problem.theme = theme
    problem.save(update_fields=["theme"])
    _mark_promoted(theme)


def _mark_promoted(theme):
    if theme.promoted_at is None:
        theme.promoted_at = timezone.now()
        theme.save(update_fields=["promoted_at", "updated_at"])
