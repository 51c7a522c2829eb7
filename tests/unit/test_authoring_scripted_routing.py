"""A scripted prototype lives in the script editor; the paper pages send it there."""

from django.urls import reverse

from prototypes.authoring.models import Prototype
from tests import factories

SCRIPT = """== start: Welcome
> Go -> done
== done: Thanks [success]
"""


def test_creating_a_scripted_prototype_opens_its_editor(designer_client, workspace):
    response = designer_client.post(
        reverse("prototype_create"), {"name": "Assistant", "kind": "scripted", "device": "phone"}
    )
    prototype = Prototype.objects.get(name="Assistant")
    assert response.status_code == 302
    assert response["Location"] == reverse("script_editor", args=[prototype.pk])


def test_a_scripted_prototype_page_is_its_editor_or_its_player(client, workspace, designer, viewer):
    prototype = factories.PrototypeFactory(workspace=workspace, kind="scripted")
    url = reverse("prototype_detail", args=[prototype.pk])
    client.force_login(designer)
    assert client.get(url)["Location"] == reverse("script_editor", args=[prototype.pk])
    client.force_login(viewer)
    assert client.get(url)["Location"] == reverse("script_play", args=[prototype.pk])


def test_publishing_a_scripted_prototype_from_the_paper_button_publishes_its_script(
    designer_client, workspace
):
    prototype = factories.PrototypeFactory(workspace=workspace, kind="scripted")
    draft = prototype.draft
    draft.script = SCRIPT
    draft.save()
    designer_client.post(reverse("prototype_publish", args=[prototype.pk]))
    version = prototype.published_versions().get()
    assert sorted(version.screens.values_list("step", flat=True)) == ["done", "start"]
