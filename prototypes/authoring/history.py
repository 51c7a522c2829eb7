"""Undo and redo for the hotspot editor, kept in the designer's session.

Each change records the hotspots it could touch (those of the screen being edited and every
shared hotspot of the draft) before and after it. Undo puts the "before" rows back, redo the
"after" rows: rows missing from the snapshot are deleted, the others are written back with
their own ids. A screen deleted meanwhile takes its rows with it; a target deleted meanwhile
leaves the hotspot without one, as deleting a screen does.
"""

import uuid

from django.db import transaction
from django.db.models import Q

from prototypes.authoring.models import Hotspot, Screen, SharedHotspotSet

SESSION_KEY = "hotspot_history"
# Enough for a working session, small enough to keep the session row small.
MAX_STEPS = 30
MAX_SCREENS = 12
FIELDS = [
    "pk",
    "screen_id",
    "label",
    "x",
    "y",
    "width",
    "height",
    "action",
    "target_id",
    "position",
    "shared_set_id",
    "shared_key",
]


def scope(screen):
    return Q(screen=screen) | Q(shared_set__isnull=False, screen__version=screen.version_id)


def snapshot(screen):
    rows = []
    for row in Hotspot.objects.filter(scope(screen)).order_by("pk").values_list(*FIELDS):
        entry = dict(zip(FIELDS, row, strict=True))
        entry["shared_key"] = str(entry["shared_key"]) if entry["shared_key"] else None
        rows.append(entry)
    sets = list(
        SharedHotspotSet.objects.filter(version=screen.version_id).values_list("pk", "name")
    )
    return {"hotspots": rows, "sets": sets}


@transaction.atomic
def restore(screen, state):
    version = screen.version_id
    for pk, name in state["sets"]:
        SharedHotspotSet.objects.update_or_create(
            pk=pk, defaults={"version_id": version, "name": name}
        )
    keep = [row["pk"] for row in state["hotspots"]]
    Hotspot.objects.filter(scope(screen)).exclude(pk__in=keep).delete()
    screens = set(Screen.objects.filter(version=version).values_list("pk", flat=True))
    for row in state["hotspots"]:
        if row["screen_id"] not in screens:
            continue
        values = {name: row[name] for name in FIELDS if name != "pk"}
        if values["target_id"] not in screens:
            values["target_id"] = None
        values["shared_key"] = uuid.UUID(row["shared_key"]) if row["shared_key"] else None
        Hotspot.objects.update_or_create(pk=row["pk"], defaults=values)
    SharedHotspotSet.objects.filter(version=version).exclude(
        pk__in=[pk for pk, _ in state["sets"]]
    ).delete()


class Recorder:
    """`with record(request, screen, "Add “Orders”"):` around a change makes it undoable."""

    def __init__(self, request, screen, label):
        self.request = request
        self.screen = screen
        self.label = label

    def __enter__(self):
        self.before = snapshot(self.screen)
        return self

    def __exit__(self, kind, error, trace):
        if kind is not None:
            return
        steps = stacks(self.request, self.screen)
        steps["undo"] = [
            *steps["undo"][-(MAX_STEPS - 1) :],
            {"label": self.label, "before": self.before, "after": snapshot(self.screen)},
        ]
        steps["redo"] = []
        self.request.session.modified = True


record = Recorder


def stacks(request, screen):
    history = request.session.setdefault(SESSION_KEY, {})
    # The screen edited last goes to the end; the screens left longest ago are forgotten.
    steps = history.pop(str(screen.pk), {"undo": [], "redo": []})
    for old in list(history)[: max(len(history) - MAX_SCREENS + 1, 0)]:
        del history[old]
    history[str(screen.pk)] = steps
    return steps


def labels(request, screen):
    """What undo and redo would do next, or "" when there is nothing to undo or redo."""
    history = request.session.get(SESSION_KEY, {}).get(str(screen.pk), {})
    undo, redo = history.get("undo", []), history.get("redo", [])
    return (undo[-1]["label"] if undo else "", redo[-1]["label"] if redo else "")


def step(request, screen, direction):
    """Undo (direction "undo") or redo the last change; return its label, or "" if none."""
    steps = stacks(request, screen)
    other = "redo" if direction == "undo" else "undo"
    if not steps[direction]:
        return ""
    change = steps[direction].pop()
    restore(screen, change["before"] if direction == "undo" else change["after"])
    steps[other].append(change)
    request.session.modified = True
    return change["label"]
