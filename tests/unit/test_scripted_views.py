"""The flow script editor, its live preview, publishing, playing, export and import."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from prototypes.authoring import script_views
from prototypes.authoring.models import Hotspot, Prototype, PrototypeVersion
from prototypes.authoring.script_publish import create_scripted_prototype, load_flow, publish_script
from tests import factories
from tests.unit.test_scripted_publish import RETURNS

BROKEN = "== start: Welcome\n> Go on -> next\n== start: Again\n"
WITH_WARNINGS = "== start: Welcome\n> Go on -> missing\n== lonely: Nobody comes here\n"


@pytest.fixture
def returns(workspace, designer):
    return create_scripted_prototype(workspace, designer, "Returns wizard", RETURNS)


def editor_url(prototype):
    return reverse("script_editor", args=[prototype.pk])


# --- Editor -------------------------------------------------------------------------------------


def test_editor_shows_the_draft_script_and_its_preview(designer_client, returns):
    response = designer_client.get(editor_url(returns))

    assert response.status_code == 200
    page = response.content.decode()
    assert "== pick: Which item?" in page
    assert 'hx-trigger="input changed delay:400ms"' in page
    assert reverse("script_preview", args=[returns.pk]) in page
    assert "No problems found" in page
    assert 'data-step="start"' in page
    assert "Return an item</button>" in page


def test_an_empty_script_starts_from_the_example(designer_client, workspace, designer):
    prototype = create_scripted_prototype(workspace, designer, "New", "== start [success]\n")
    PrototypeVersion.objects.filter(prototype=prototype).update(script="")

    page = designer_client.get(editor_url(prototype)).content.decode()

    assert "An example to start from" in page
    assert "== track: Your order" in page
    assert "No problems found" in page
    assert PrototypeVersion.objects.get(prototype=prototype, number=0).script == ""


def test_saving_a_valid_script_stores_it(designer_client, returns):
    script = "== start: Hi\n> Bye -> end\n== end [success]\n"

    response = designer_client.post(editor_url(returns), {"script": script})

    assert response.status_code == 302
    returns.draft.refresh_from_db()
    assert returns.draft.script == script


def test_saving_normalizes_line_endings(designer_client, returns):
    designer_client.post(editor_url(returns), {"script": "== start [success]\r\nDone\r\n"})

    assert PrototypeVersion.objects.get(prototype=returns, number=0).script == (
        "== start [success]\nDone\n"
    )


def test_saving_an_invalid_script_keeps_the_old_one_and_says_where(designer_client, returns):
    response = designer_client.post(editor_url(returns), {"script": BROKEN})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Not saved. Line 3, column 1: step &#x27;start&#x27; is defined twice" in page
    assert 'data-error-line="3"' in page
    # What the designer typed stays in the textarea.
    assert "== start: Again" in page
    assert PrototypeVersion.objects.get(prototype=returns, number=0).script == RETURNS


def test_editor_of_a_paper_prototype_sends_to_its_page(designer_client, workspace):
    paper = factories.PrototypeFactory(workspace=workspace)

    response = designer_client.get(editor_url(paper))

    assert response.status_code == 302
    assert response["Location"] == reverse("prototype_detail", args=[paper.pk])


# --- Preview ------------------------------------------------------------------------------------


def preview(client, prototype, script, step=None):
    data = {"script": script}
    if step:
        data["step"] = step
    return client.post(
        reverse("script_preview", args=[prototype.pk]), data, headers={"HX-Request": "true"}
    )


def test_preview_renders_a_step_in_its_device_frame(designer_client, returns):
    response = preview(designer_client, returns, RETURNS)

    assert response.status_code == 200
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="script-preview"')
    assert "<html" not in page
    assert "sketch-device-phone" in page
    assert f'data-aspect="{returns.aspect_ratio:f}"' in page
    assert "Welcome</h2>" in page
    assert "Pick what you want to do." in page
    assert '<button type="button" class="sketch-button" data-choice="0" data-target="pick">' in page
    assert '<option value="pick">' in page


def test_preview_shows_the_chosen_step(designer_client, returns):
    page = preview(designer_client, returns, RETURNS, step="pick").content.decode()

    assert "Which item?</h2>" in page
    assert "Welcome</h2>" not in page
    assert '<option value="pick" selected>' in page
    # A page step with routes takes its answer from its text field.
    assert 'name="answer" form="preview-pick-answer"' in page
    assert ">Continue</button>" in page


def test_preview_of_an_unknown_step_falls_back_to_the_first(designer_client, returns):
    page = preview(designer_client, returns, RETURNS, step="gone").content.decode()

    assert "Welcome</h2>" in page


def test_preview_draws_chat_steps_and_endings(designer_client, returns):
    page = preview(designer_client, returns, RETURNS, step="agent").content.decode()

    assert "sketch-step sketch-chat" in page
    assert '<p class="sketch-bubble sketch-bot">Please wait.</p>' in page
    assert "ends the flow as a <strong>failure</strong>" in page


def test_preview_draws_every_widget(designer_client, returns):
    script = (
        "== start: Shop\nfield: Search\n- Shoes\n- Socks\nimage: A red shoe\n"
        "[chat] is text\n? * -> end\n== end [success]\n"
    )

    page = preview(designer_client, returns, script).content.decode()

    assert "<span>Search</span>" in page
    assert '<ul class="sketch-list"><li>Shoes</li><li>Socks</li></ul>' in page
    assert '<div class="sketch-image-box" aria-hidden="true"></div>' in page
    assert "<figcaption>A red shoe</figcaption>" in page


def test_preview_shows_a_parse_error_with_line_and_column(designer_client, returns):
    page = preview(designer_client, returns, BROKEN).content.decode()

    assert "line 3, column 1: step &#x27;start&#x27; is defined twice" in page
    assert 'data-goto-line="3" data-goto-column="1"' in page
    assert "sketch-device" not in page


def test_preview_lists_warnings_with_their_lines(designer_client, returns):
    page = preview(designer_client, returns, WITH_WARNINGS).content.decode()

    assert "warnings</summary>" in page
    assert (
        '<button type="button" class="linklike" data-goto-line="2">Line 2</button>: '
        "step &#x27;start&#x27; leads to &#x27;missing&#x27;, which does not exist"
    ) in page
    assert "step &#x27;lonely&#x27; cannot be reached" in page
    assert "no ending step" in page


def test_preview_saves_nothing(designer_client, returns):
    preview(designer_client, returns, "== start [success]\n")

    assert PrototypeVersion.objects.get(prototype=returns, number=0).script == RETURNS


# --- Publishing ---------------------------------------------------------------------------------


def test_publish_saves_the_posted_script_and_freezes_it(designer_client, returns, designer):
    script = "== start: Hi\n> Bye -> end\n== end [success]\n"

    response = designer_client.post(
        reverse("script_publish", args=[returns.pk]), {"script": script, "note": "short"}
    )

    assert response.status_code == 302
    version = returns.versions.get(number=1)
    assert version.script == script
    assert version.note == "short"
    assert version.published_by == designer
    assert list(version.screens.values_list("step", flat=True)) == ["start", "end"]
    assert Hotspot.objects.filter(screen__version=version).get().target.step == "end"
    assert returns.draft.script == script


def test_publish_without_a_posted_script_publishes_the_stored_draft(designer_client, returns):
    designer_client.post(reverse("script_publish", args=[returns.pk]), {})

    assert returns.versions.get(number=1).script == RETURNS


def test_publish_with_warnings_publishes_and_warns(designer_client, returns):
    response = designer_client.post(
        reverse("script_publish", args=[returns.pk]), {"script": WITH_WARNINGS}, follow=True
    )

    assert returns.versions.filter(number=1).exists()
    assert "Published v1 with 4 warnings" in response.content.decode()


def test_publish_refuses_errors_and_saves_nothing(designer_client, returns):
    response = designer_client.post(
        reverse("script_publish", args=[returns.pk]), {"script": BROKEN}
    )

    assert response.status_code == 200
    assert "Not published. Line 3, column 1" in response.content.decode()
    assert returns.versions.count() == 1
    assert returns.draft.script == RETURNS


def test_editor_lists_published_versions(designer_client, returns, designer):
    publish_script(returns, designer, note="pilot")

    page = designer_client.get(editor_url(returns)).content.decode()

    assert "pilot" in page
    assert f"{reverse('script_play', args=[returns.pk])}?version=1" in page


# --- Playing ------------------------------------------------------------------------------------


def test_play_page_renders_every_step_hidden_but_the_first(designer_client, returns):
    response = designer_client.get(reverse("script_play", args=[returns.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('<section class="sketch-step') == 4
    assert page.count('-title" hidden>') == 3
    assert 'data-script-player="auto"' in page
    assert f'data-route-url="{reverse("script_preview_route", args=[returns.draft.pk])}"' in page
    assert '<script id="flow-data" type="application/json">' in page
    assert "script-player.js" in page


def test_play_a_published_version(designer_client, returns, designer):
    version = publish_script(returns, designer)
    save_url = editor_url(returns)
    designer_client.post(save_url, {"script": "== start: Changed [success]\n"})

    page = designer_client.get(
        reverse("script_play", args=[returns.pk]) + "?version=1"
    ).content.decode()

    assert "Welcome</h2>" in page
    assert "Changed" not in page
    assert f'"screen": {version.screens.get(step="start").pk}' in page
    route = reverse("script_preview_route", args=[version.pk])
    assert f'data-route-url="{route}"' in page


@pytest.mark.parametrize("number", ["7", "x", "-1"])
def test_play_an_unknown_version_is_404(designer_client, returns, number):
    url = reverse("script_play", args=[returns.pk]) + f"?version={number}"

    assert designer_client.get(url).status_code == 404


def test_play_a_draft_that_does_not_parse_explains(designer_client, returns):
    draft = returns.draft
    draft.script = BROKEN
    draft.save()

    page = designer_client.get(reverse("script_play", args=[returns.pk])).content.decode()

    assert "This script cannot be played" in page
    assert "line 3, column 1" in page


def test_flow_json(designer_client, returns, designer):
    version = publish_script(returns, designer)

    response = designer_client.get(reverse("script_flow_json", args=[version.pk]))

    assert response.status_code == 200
    data = response.json()
    assert data["start"] == "start"
    assert [step["name"] for step in data["steps"]] == ["start", "pick", "done", "agent"]
    assert data["steps"][0]["screen"] == version.screens.get(step="start").pk
    draft = designer_client.get(reverse("script_flow_json", args=[returns.draft.pk])).json()
    assert draft["steps"][0]["screen"] is None


def test_flow_json_of_a_paper_prototype_is_refused(designer_client, workspace):
    version = factories.VersionFactory(prototype=factories.PrototypeFactory(workspace=workspace))

    response = designer_client.get(reverse("script_flow_json", args=[version.pk]))

    assert response.status_code == 400


def test_preview_route(designer_client, returns):
    url = reverse("script_preview_route", args=[returns.draft.pk])

    assert designer_client.post(url, {"step": "pick", "text": "482913"}).json() == {
        "target": "done"
    }
    assert designer_client.post(url, {"step": "pick", "text": "hmm"}).json() == {"target": "agent"}
    assert designer_client.post(url, {"step": "start", "text": "x"}).json() == {"target": None}
    assert designer_client.post(url, {"step": "zzz", "text": "x"}).status_code == 400


def test_preview_route_of_a_draft_follows_the_saved_script(designer_client, returns):
    designer_client.post(
        editor_url(returns), {"script": "== start [chat]\n? hello -> end\n== end [success]\n"}
    )
    url = reverse("script_preview_route", args=[returns.draft.pk])

    assert designer_client.post(url, {"step": "start", "text": "Hello!"}).json() == {
        "target": "end"
    }


# --- Export and import --------------------------------------------------------------------------


def test_export_downloads_the_script_as_a_flow_file(designer_client, returns):
    response = designer_client.get(reverse("script_export", args=[returns.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="returns-wizard.flow"'
    assert response.content.decode() == RETURNS


def test_export_a_published_version(designer_client, returns, designer):
    publish_script(returns, designer)
    designer_client.post(editor_url(returns), {"script": "== start [success]\n"})

    response = designer_client.get(reverse("script_export", args=[returns.pk]) + "?version=1")

    assert response["Content-Disposition"] == 'attachment; filename="returns-wizard-v1.flow"'
    assert response.content.decode() == RETURNS


def upload(content, name="returns.flow"):
    if isinstance(content, str):
        content = content.encode()
    return SimpleUploadedFile(name, content, content_type="text/plain")


def test_export_then_import_gives_the_same_flow(designer_client, returns, workspace):
    exported = designer_client.get(reverse("script_export", args=[returns.pk])).content

    response = designer_client.post(
        reverse("script_import"), {"file": upload(exported), "name": "", "device": "tablet"}
    )

    imported = Prototype.objects.exclude(pk=returns.pk).get()
    assert response.status_code == 302
    assert response["Location"] == editor_url(imported)
    assert imported.workspace == workspace
    assert imported.kind == Prototype.Kind.SCRIPTED
    assert imported.device == "tablet"
    assert imported.name == "Returns"  # the script's title
    assert load_flow(imported.draft.script) == load_flow(returns.draft.script)
    assert imported.versions.count() == 1


def test_import_names_the_prototype_from_the_form_or_the_file(designer_client):
    designer_client.post(
        reverse("script_import"),
        {"file": upload("== start [success]\n", "my_flow.flow"), "device": "phone"},
    )
    designer_client.post(
        reverse("script_import"),
        {"file": upload("== start [success]\n"), "name": "Chosen", "device": "phone"},
    )

    assert set(Prototype.objects.values_list("name", flat=True)) == {"my flow", "Chosen"}


def test_import_accepts_a_byte_order_mark_and_windows_line_endings(designer_client):
    content = "\ufeff== start: Café\r\n> Go -> end\r\n== end [success]\r\n".encode()

    designer_client.post(reverse("script_import"), {"file": upload(content), "device": "phone"})

    assert Prototype.objects.get().draft.script == "== start: Café\n> Go -> end\n== end [success]\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"== start\n> Go -> end\n\xff\xfe oops\n", "not UTF-8 text (line 3"),
        (b"== start\x00\n", "NUL characters"),
        (BROKEN.encode(), "Line 3, column 1: step &#x27;start&#x27; is defined twice"),
        (b"", "The submitted file is empty"),
    ],
)
def test_import_refuses_bad_files_and_creates_nothing(designer_client, content, message):
    response = designer_client.post(
        reverse("script_import"), {"file": upload(content), "device": "phone"}
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Prototype.objects.exists()
    assert not PrototypeVersion.objects.exists()


def test_import_refuses_files_too_large(designer_client, monkeypatch):
    monkeypatch.setattr(script_views, "MAX_IMPORT_BYTES", 10)

    response = designer_client.post(
        reverse("script_import"), {"file": upload("== start [success]\n"), "device": "phone"}
    )

    assert "larger than" in response.content.decode()
    assert not Prototype.objects.exists()


def test_import_page(designer_client):
    response = designer_client.get(reverse("script_import"))

    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.content.decode()


# --- Who may do what ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("script_editor", "get"),
        ("script_play", "get"),
        ("script_export", "get"),
        ("script_preview", "post"),
        ("script_publish", "post"),
    ],
)
def test_outsiders_get_404(client, outsider, returns, name, method):
    client.force_login(outsider)

    response = getattr(client, method)(reverse(name, args=[returns.pk]))

    assert response.status_code == 404


@pytest.mark.parametrize("name", ["script_flow_json", "script_preview_route"])
def test_outsiders_get_404_for_versions(client, outsider, returns, name):
    client.force_login(outsider)
    method = client.get if name == "script_flow_json" else client.post

    assert method(reverse(name, args=[returns.draft.pk])).status_code == 404


@pytest.mark.parametrize(
    ("name", "method"),
    [("script_editor", "get"), ("script_editor", "post"), ("script_preview", "post")],
)
def test_viewers_cannot_edit(client, viewer, returns, name, method):
    client.force_login(viewer)

    response = getattr(client, method)(reverse(name, args=[returns.pk]), {"script": "== a"})

    assert response.status_code == 403
    assert returns.draft.script == RETURNS


def test_viewers_cannot_publish_or_import(client, viewer, returns):
    client.force_login(viewer)

    assert client.post(reverse("script_publish", args=[returns.pk])).status_code == 403
    response = client.post(
        reverse("script_import"), {"file": upload("== start [success]\n"), "device": "phone"}
    )
    assert response.status_code == 403
    assert returns.versions.count() == 1
    assert Prototype.objects.count() == 1


def test_viewers_may_play_and_export(client, viewer, returns):
    client.force_login(viewer)

    page = client.get(reverse("script_play", args=[returns.pk]))
    assert page.status_code == 200
    assert "Edit the script" not in page.content.decode()
    assert client.get(reverse("script_export", args=[returns.pk])).status_code == 200
    route = reverse("script_preview_route", args=[returns.draft.pk])
    assert client.post(route, {"step": "pick", "text": "refund"}).json() == {"target": "done"}


def test_anonymous_visitors_are_sent_to_log_in(client, returns):
    response = client.get(editor_url(returns))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
