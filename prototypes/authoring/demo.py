"""Demo data: the paper prototype used by the demo study."""

import io

from django.core.files.base import ContentFile
from django.db import transaction

from prototypes import sketches
from prototypes.authoring import tasks
from prototypes.authoring.models import Device, Hotspot, Prototype, Screen
from prototypes.authoring.screens import publish_problems

SHOP_NAME = "Shop app — where is my order?"


def create_demo_prototypes(workspace, user):
    """Create the demo prototypes, published, and return {"shop": version}."""
    return {"shop": create_shop_prototype(workspace, user)}


def create_shop_prototype(workspace, user):
    """The shop app drawn by `sketches`, processed like uploaded PNGs and published as v1."""
    drawn = sketches.demo_shop_screens()
    with transaction.atomic():
        prototype = Prototype.objects.create(
            workspace=workspace,
            name=SHOP_NAME,
            description=(
                "Paper sketches of a shop app. Customers should find the status of their "
                "latest order without calling support."
            ),
            kind=Prototype.Kind.PAPER,
            device=Device.PHONE,
            created_by=user,
        )
        draft = prototype.draft
        screens = {}
        for position, (name, image, _) in enumerate(drawn):
            buffer = io.BytesIO()
            image.save(buffer, "PNG")
            screen = Screen(version=draft, name=name, position=position)
            screen.upload.save("original", ContentFile(buffer.getvalue()), save=False)
            screen.save()
            screens[name] = screen
        Hotspot.objects.bulk_create(
            Hotspot(
                screen=screens[name],
                label=spot["label"],
                x=spot["x"],
                y=spot["y"],
                width=spot["w"],
                height=spot["h"],
                action=spot["action"] or Hotspot.Action.GO_TO,
                target=screens.get(spot["target_screen_name"]),
                position=index,
            )
            for name, _, hotspots in drawn
            for index, spot in enumerate(hotspots)
        )
    # Processed here rather than queued, so the version can be published straight away.
    for screen in screens.values():
        tasks.process(screen.pk, all_pages=False)
    problems = publish_problems(draft)
    if problems:
        raise RuntimeError("The demo prototype could not be published: " + " ".join(problems))
    return draft.publish(user=user, note="Demo sketches")
