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
    """Create the demo prototypes, published, and return {"shop": v1, "shop_concept": v2}."""
    shop = create_shop_prototype(workspace, user)
    return {"shop": shop, "shop_concept": create_shop_concept(shop, user)}


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
            hotspot
            for name, _, hotspots in drawn
            for hotspot in drawn_hotspots(screens[name], hotspots, screens)
        )
    return process_and_publish(draft, screens.values(), user, "Demo sketches")


def create_shop_concept(version, user):
    """Concept B of the shop, published as the version after ``version``: Home shows when the
    latest order arrives, one tap away from its detail (concept A makes customers go through
    Account and My orders)."""
    image, hotspots = sketches.demo_shop_tracking_home()
    draft = version.prototype.draft
    screens = {screen.name: screen for screen in draft.screens.all()}
    home = screens["Home"]
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    with transaction.atomic():
        home.hotspots.all().delete()
        home.upload.save("original", ContentFile(buffer.getvalue()), save=False)
        home.status = Screen.Status.PROCESSING
        home.save()
        Hotspot.objects.bulk_create(drawn_hotspots(home, hotspots, screens))
    return process_and_publish(draft, [home], user, "Concept B: the delivery day on Home")


def drawn_hotspots(screen, hotspots, screens):
    """Unsaved hotspots of ``screen`` from a drawing's; ``screens`` are the targets by name."""
    return [
        Hotspot(
            screen=screen,
            label=spot["label"],
            x=spot["x"],
            y=spot["y"],
            width=spot["w"],
            height=spot["h"],
            action=spot["action"] or Hotspot.Action.GO_TO,
            target=screens.get(spot["target_screen_name"]),
            position=index,
        )
        for index, spot in enumerate(hotspots)
    ]


def process_and_publish(draft, drawn, user, note):
    """Process the ``drawn`` screens' images, then publish the draft."""
    # Processed here rather than queued, so the version can be published straight away.
    for screen in drawn:
        tasks.process(screen.pk, all_pages=False)
    problems = publish_problems(draft)
    if problems:
        raise RuntimeError("The demo prototype could not be published: " + " ".join(problems))
    return draft.publish(user=user, note=note)
