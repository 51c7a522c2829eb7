"""Shared hotspots: drawn once, placed on several screens of the draft, edited everywhere at once.

A set keeps one ordinary `Hotspot` copy of each of its hotspots on every screen it is placed
on; the copies of one hotspot share a `shared_key`. Everything downstream (publishing, the
player, events, reports, the flow map) reads plain hotspots, so only editing needs to know.
"""

import uuid

from django.db import transaction
from django.db.models import Max

from prototypes.authoring.models import Hotspot, Screen, SharedHotspotSet

COPIED_FIELDS = ["label", "x", "y", "width", "height", "action", "target"]


class ShareRefused(Exception):
    pass


def screens_of(shared_set):
    return Screen.objects.filter(hotspots__shared_set=shared_set).distinct()


@transaction.atomic
def share(hotspots, screens, name):
    """Make `hotspots` (of one draft screen) a shared set, placed on their screen and `screens`."""
    hotspots = list(hotspots)
    if not hotspots:
        raise ShareRefused("Choose the hotspots to share.")
    if any(hotspot.shared_set_id for hotspot in hotspots):
        raise ShareRefused("Some of these hotspots are shared already.")
    source = hotspots[0].screen
    shared_set = SharedHotspotSet.objects.create(version=source.version, name=name)
    for hotspot in hotspots:
        hotspot.shared_set = shared_set
        hotspot.shared_key = uuid.uuid4()
    Hotspot.objects.bulk_update(hotspots, ["shared_set", "shared_key"])
    place(shared_set, [source, *screens])
    return shared_set


@transaction.atomic
def place(shared_set, screens):
    """Put the set on exactly `screens` (of its version); on none, the set is deleted."""
    wanted = {screen.pk: screen for screen in screens if screen.version_id == shared_set.version_id}
    copies = list(shared_set.hotspots.order_by("screen_id", "position", "pk"))
    if not wanted:
        shared_set.delete()
        return
    current = {hotspot.screen_id for hotspot in copies}
    template = [hotspot for hotspot in copies if hotspot.screen_id == min(current)]
    shared_set.hotspots.exclude(screen__in=wanted).delete()
    added = [wanted[pk] for pk in wanted if pk not in current]
    last = dict(
        Hotspot.objects.filter(screen__in=added)
        .values("screen")
        .annotate(last=Max("position"))
        .values_list("screen", "last")
    )
    Hotspot.objects.bulk_create(
        Hotspot(
            screen=screen,
            shared_set=shared_set,
            shared_key=hotspot.shared_key,
            position=last.get(screen.pk, -1) + 1 + index,
            **{name: getattr(hotspot, name) for name in COPIED_FIELDS},
        )
        for screen in added
        for index, hotspot in enumerate(template)
    )


def copies_of(hotspot):
    """The hotspot and, when it is shared, its copies on the other screens."""
    if hotspot.shared_set_id is None:
        return Hotspot.objects.filter(pk=hotspot.pk)
    return Hotspot.objects.filter(shared_set=hotspot.shared_set_id, shared_key=hotspot.shared_key)


def update_copies(hotspot):
    """After `hotspot` was saved, give its copies the same label, place, action and target."""
    copies_of(hotspot).exclude(pk=hotspot.pk).update(
        **{name: getattr(hotspot, name) for name in COPIED_FIELDS}
    )


@transaction.atomic
def delete(hotspot):
    """Delete the hotspot from every screen it is on; an emptied set goes too."""
    shared_set = hotspot.shared_set
    copies_of(hotspot).delete()
    if shared_set is not None and not shared_set.hotspots.exists():
        shared_set.delete()
