"""What the player fetches while the participant reads the welcome page and the consent.

The first task's start screen and the screens its hotspots lead to, in the order a participant
needs them: the start screen first, then its targets in hotspot order. Each comes with its
thumbnail, which the player fetches first: on a slow connection a small picture of the screen is
on the device long before the full image, and the player shows it until the full image is there.
Rendition URLs change with their content, so the browser keeps what it fetched here.

The page also carries the study as the session start will answer it, when it can know it, so
that "Start" shows the first task at once and the session starts in the background.
"""

from prototypes.authoring.models import Hotspot, Prototype, Screen
from prototypes.player.payload import cached_study_payload


def warmup_images(study):
    """[{"image": url, "thumbnail": url or None}] for the first task's start screen and its
    targets; empty for a scripted prototype, whose screens are drawn, not images, and for a tree
    test or card sort, whose tasks start on no screen. Two queries."""
    if study.prototype_version.prototype.kind == Prototype.Kind.SCRIPTED:
        return []
    task = study.tasks.order_by("position", "id").select_related("start_screen").first()
    if task is None or task.start_screen is None:
        return []
    start = task.start_screen
    targets = list(
        Screen.objects.filter(
            pk__in=Hotspot.objects.filter(
                screen=start, action=Hotspot.Action.GO_TO, target__isnull=False
            ).values("target"),
            status=Screen.Status.READY,
        ).order_by("position", "id")
    )
    return [
        {
            "image": screen.image.url,
            "thumbnail": screen.thumbnail.url if screen.thumbnail else None,
        }
        for screen in [start, *targets]
        if screen.image
    ]


def study_before_start(study):
    """services.study_payload for the study's own version, or None when the session start's
    answer decides what the participant runs: a concept A/B study assigns the concept then. The
    caller leaves out studies with a screener (whose answers may turn the participant away) and
    scripted prototypes (whose flow is routed under the session's token). Call it under
    `translation.override(study.language)`; one query, and five more when the payload is not
    cached."""
    if study.concepts.exists():
        return None
    return cached_study_payload(study, study.prototype_version_id)
