import pytest

from prototypes.authoring.demo import SHOP_NAME, create_demo_prototypes
from prototypes.authoring.models import Hotspot, Screen

pytestmark = pytest.mark.django_db


def test_demo_shop_prototype_is_processed_linked_and_published(workspace, designer):
    versions = create_demo_prototypes(workspace, designer)
    shop = versions["shop"]
    assert shop.number == 1 and shop.prototype.name == SHOP_NAME
    assert shop.prototype.workspace == workspace
    screens = list(shop.screens.all())
    assert [screen.name for screen in screens][:3] == ["Home", "Account", "Orders"]
    assert {screen.status for screen in screens} == {Screen.Status.READY}
    assert all(screen.image.name.endswith(".webp") for screen in screens)
    assert all(screen.upload.name.startswith("uploads/") for screen in screens)
    hotspots = Hotspot.objects.filter(screen__version=shop)
    assert hotspots.filter(action=Hotspot.Action.END).exists()
    assert hotspots.filter(action=Hotspot.Action.BACK).exists()
    goto = hotspots.filter(action=Hotspot.Action.GO_TO)
    assert goto.exists() and not goto.filter(target=None).exists()
    assert all(hotspot.target.version_id == shop.pk for hotspot in goto)
    orders = hotspots.get(screen__name="Account", label="My orders")
    assert orders.target.name == "Orders"
