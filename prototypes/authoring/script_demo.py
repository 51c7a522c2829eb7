"""The demo's scripted prototype: Parcel, the order-status assistant."""

from pathlib import Path

from django.db import transaction

from prototypes.authoring.models import Device
from prototypes.authoring.script_publish import create_scripted_prototype, publish_script

ORDER_ASSISTANT = Path(__file__).resolve().parent.parent / "demo_scripts" / "order_assistant.flow"


@transaction.atomic
def create_demo_assistant(workspace, user):
    """Create the order-status assistant in `workspace` and return its published first version."""
    prototype = create_scripted_prototype(
        workspace,
        user,
        "Parcel, the order assistant",
        ORDER_ASSISTANT.read_text(encoding="utf-8"),
        device=Device.PHONE,
    )
    prototype.description = (
        "A chat assistant answering “where is my order?” and changing the delivery address, "
        "written as a flow script."
    )
    prototype.save(update_fields=["description"])
    return publish_script(prototype, user, note="Demo")
