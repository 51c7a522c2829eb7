"""Importing screens and hotspots from Figma, against a local fake of its REST API."""

import logging

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from prototypes.authoring.models import Hotspot, Prototype, Screen
from prototypes.figma import design
from prototypes.figma.client import FigmaError, FigmaLink, parse_link
from prototypes.figma.models import FigmaHotspot, FigmaImport, FigmaScreen
from prototypes.jobs import Job
from tests import factories
from tests.figma_fake import (
    TOKEN,
    FakeFigma,
    back,
    design_file,
    node,
    phone_flow,
    tap,
)

KEY = "AbCdEfGhIjKlMnOpQrStUv"
LINK = f"https://www.figma.com/design/{KEY}/Shop-checkout?node-id=0-1&t=xyz"


@pytest.fixture(scope="module")
def figma_server():
    server = FakeFigma()
    yield server
    server.close()


@pytest.fixture
def fake(figma_server, settings):
    figma_server.reset()
    settings.FIGMA_API_URL = figma_server.url
    settings.FIGMA_IMAGE_BATCH = 10
    settings.FIGMA_MAX_WAIT_SECONDS = 5
    return figma_server


@pytest.fixture
def prototype(workspace):
    return factories.PrototypeFactory(workspace=workspace, name="Checkout")


def start_import(client, prototype, capture, link=LINK, token=TOKEN, scale=1):
    with capture(execute=True):
        response = client.post(
            reverse("figma_import", args=[prototype.pk]),
            {"link": link, "token": token, "scale": scale},
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    return FigmaImport.objects.get(pk=response.url.rstrip("/").rsplit("/", 1)[1])


def screens_of(prototype):
    return list(prototype.draft.screens.order_by("position"))


# Links


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (LINK, FigmaLink(KEY, "0:1")),
        (f"https://www.figma.com/file/{KEY}/Shop", FigmaLink(KEY)),
        (
            f"https://figma.com/proto/{KEY}/Shop?node-id=12-345&scaling=min-zoom",
            FigmaLink(KEY, "12:345"),
        ),
        (
            f"https://www.figma.com/design/{KEY}/Shop/branch/BrAnChKeY12345/Shop?node-id=1-2",
            FigmaLink("BrAnChKeY12345", "1:2"),
        ),
        (f"  {KEY}  ", FigmaLink(KEY)),
        (f"https://www.figma.com/design/{KEY}/Shop?node-id=bad", FigmaLink(KEY)),
    ],
)
def test_links_give_the_file_key_and_node_id(text, expected):
    assert parse_link(text) == expected


@pytest.mark.parametrize("text", ["https://example.com/design/abc", "hello", ""])
def test_other_text_is_refused_with_how_to_copy_a_link(text):
    with pytest.raises(FigmaError) as refusal:
        parse_link(text)

    assert refusal.value.message.startswith("This is not a link to a Figma file.")


# Reading a page


def test_frames_come_in_reading_order_with_sections_and_the_flow_start_first():
    page = node(
        "0:1",
        "Page",
        "CANVAS",
        flowStartingPoints=[{"nodeId": "1:3", "name": "Flow"}],
        children=[
            node("1:2", "Right", "FRAME", (500, 10, 390, 844)),
            node("1:1", "Left", "FRAME", (0, 0, 390, 844)),
            node(
                "5:1",
                "Section",
                "SECTION",
                (0, 1000, 2000, 1000),
                [node("1:3", "Below", "FRAME", (0, 1100, 390, 844))],
            ),
            node("1:4", "Hidden", "FRAME", (900, 0, 390, 844), visible=False),
            node("1:5", "Loose text", "TEXT", (0, -200, 100, 20)),
        ],
    )

    assert [frame.name for frame in design.frames(page)] == ["Below", "Left", "Right"]
    assert [frame.name for frame in design.frames(page, first="1:2")] == [
        "Right",
        "Left",
        "Below",
    ]


def test_connections_become_fractions_of_their_frame_with_the_layer_name():
    page = node(
        "0:1",
        "Page",
        "CANVAS",
        children=[
            node(
                "1:1",
                "Home",
                "FRAME",
                (100, 200, 400, 800),
                [
                    node(
                        "2:1",
                        "Card",
                        "FRAME",
                        (100, 200, 400, 400),
                        [
                            node(
                                "3:1",
                                "Buy",
                                "INSTANCE",
                                (200, 400, 100, 40),
                                reactions=[tap("1:2")],
                            )
                        ],
                    ),
                    node("3:2", "Back", "TEXT", (100, 200, 40, 40), reactions=[back()]),
                    node(
                        "3:3", "Old link", "RECTANGLE", (450, 900, 100, 200), transitionNodeID="1:2"
                    ),
                    node(
                        "3:4",
                        "Hover only",
                        "RECTANGLE",
                        (100, 200, 10, 10),
                        reactions=[
                            {
                                "action": {
                                    "type": "NODE",
                                    "destinationId": "1:2",
                                    "navigation": "NAVIGATE",
                                },
                                "trigger": {"type": "ON_HOVER"},
                            }
                        ],
                    ),
                    node("3:5", "Outside", "RECTANGLE", (900, 900, 10, 10), transitionNodeID="1:2"),
                ],
            )
        ],
    )

    (frame,) = design.frames(page)

    buy, back_link, old = frame.connections
    assert (buy.label, buy.action, buy.destination) == ("Buy", "goto", "1:2")
    assert (buy.x, buy.y, buy.width, buy.height) == pytest.approx((0.25, 0.25, 0.25, 0.05))
    assert (back_link.label, back_link.action, back_link.destination) == ("Back", "back", "")
    # Cut at the frame's edges, as the participant sees it.
    assert (old.x, old.y, old.width, old.height) == pytest.approx((0.875, 0.875, 0.125, 0.125))


# Importing


def test_a_page_becomes_screens_and_its_connections_hotspots(
    designer_client, prototype, fake, django_capture_on_commit_callbacks
):
    fake.files[KEY] = design_file("Shop", [phone_flow(3)])

    figma_import = start_import(designer_client, prototype, django_capture_on_commit_callbacks)

    figma_import.refresh_from_db()
    assert figma_import.status == FigmaImport.Status.DONE, figma_import.error
    assert (figma_import.file_name, figma_import.page_name) == ("Shop", "Page 1")
    screens = screens_of(prototype)
    assert [screen.name for screen in screens] == ["Screen 1", "Screen 2", "Screen 3"]
    assert all(screen.is_ready for screen in screens)
    # Rendered at 1x: 390 × 844, through our pipeline (WebP renditions).
    assert (screens[0].width, screens[0].height) == (390, 844)
    assert screens[0].image.name.endswith(".webp")
    next_button = Hotspot.objects.get(screen=screens[0], label="Next")
    assert next_button.action == Hotspot.Action.GO_TO and next_button.target == screens[1]
    assert next_button.x == pytest.approx(24 / 390)
    assert next_button.y == pytest.approx((844 - 100) / 844)
    assert next_button.width == pytest.approx((390 - 48) / 390)
    assert Hotspot.objects.get(screen=screens[2], label="Back").action == Hotspot.Action.BACK
    assert not Hotspot.objects.filter(screen=screens[2], label="Next").exists()
    assert (figma_import.screens_added, figma_import.hotspots_added) == (3, 5)
    # The token went to the API, and never to the render addresses.
    assert {request["token"] for request in fake.requested("/v1/")} == {TOKEN}
    assert {request["token"] for request in fake.requested("/renders/")} == {None}


def test_images_are_asked_for_in_batches(
    designer_client, prototype, fake, django_capture_on_commit_callbacks, settings
):
    fake.files[KEY] = design_file("Shop", [phone_flow(23)])
    fake.max_ids_per_request = 10

    figma_import = start_import(designer_client, prototype, django_capture_on_commit_callbacks)

    figma_import.refresh_from_db()
    assert figma_import.status == FigmaImport.Status.DONE, figma_import.error
    batches = [request["query"]["ids"].split(",") for request in fake.requested("/v1/images/")]
    assert [len(batch) for batch in batches] == [10, 10, 3]
    assert sum(batches, []) == [f"1:{number}" for number in range(1, 24)]
    assert len(screens_of(prototype)) == 23


def test_a_rate_limit_is_waited_out_and_the_import_goes_on(
    designer_client, prototype, fake, django_capture_on_commit_callbacks
):
    fake.files[KEY] = design_file("Shop", [phone_flow(2)])
    fake.limits.append(("/v1/images/", 1))

    figma_import = start_import(designer_client, prototype, django_capture_on_commit_callbacks)

    figma_import.refresh_from_db()
    assert figma_import.status == FigmaImport.Status.DONE, figma_import.error
    assert len(fake.requested("/v1/images/")) == 2
    assert figma_import.waiting_until is None
    assert len(screens_of(prototype)) == 2


def test_a_rate_limit_longer_than_we_wait_says_when_to_try_again(
    designer_client, prototype, fake, django_capture_on_commit_callbacks
):
    fake.files[KEY] = design_file("Shop", [phone_flow(2)])
    fake.limits.append(("/v1/files/", 3600))

    figma_import = start_import(designer_client, prototype, django_capture_on_commit_callbacks)

    figma_import.refresh_from_db()
    assert figma_import.status == FigmaImport.Status.FAILED
    assert figma_import.error.startswith(
        "Figma is limiting requests from this account and asked us to wait 60 minutes. Import "
        "again after "
    )
    assert screens_of(prototype) == []
    page = designer_client.get(reverse("figma_import_status", args=[figma_import.pk]))
    assert "asked us to wait 60 minutes" in page.content.decode()


@pytest.mark.parametrize(
    ("token", "not_shared", "start"),
    [
        ("figd_wrong", False, "Figma refused the token: it is wrong, expired or revoked"),
        (TOKEN, True, "Figma has no file at this link that the token's account can open."),
    ],
)
def test_a_bad_token_or_a_file_not_shared_is_told_as_a_sentence(
    designer_client, prototype, fake, django_capture_on_commit_callbacks, token, not_shared, start
):
    fake.files[KEY] = design_file("Shop", [phone_flow(2)])
    if not_shared:
        fake.not_shared.add(KEY)

    figma_import = start_import(
        designer_client, prototype, django_capture_on_commit_callbacks, token=token
    )

    figma_import.refresh_from_db()
    assert figma_import.status == FigmaImport.Status.FAILED
    assert figma_import.error.startswith(start)
    assert screens_of(prototype) == []
    page = designer_client.get(reverse("figma_import_status", args=[figma_import.pk]))
    assert start in page.content.decode().replace("&#x27;", "'")


def test_a_renamed_frame_keeps_its_screen_and_hand_drawn_hotspots_on_a_later_import(
    designer_client, prototype, fake, django_capture_on_commit_callbacks
):
    fake.files[KEY] = design_file("Shop", [phone_flow(3)])
    start_import(designer_client, prototype, django_capture_on_commit_callbacks)
    first, second, third = screens_of(prototype)
    drawn = factories.HotspotFactory(screen=first, label="Drawn by hand", target=third)
    imported = Hotspot.objects.get(screen=first, label="Next")
    # In Figma: the first frame renamed, its button moved and renamed, the second frame's
    # Back link deleted, and the third frame removed from the page.
    page = fake.files[KEY]["document"]["children"][0]
    home = page["children"][0]
    home["name"] = "Welcome"
    button = home["children"][2]
    button["name"] = "Continue"
    button["absoluteBoundingBox"]["y"] = 400
    page["children"][1]["children"].pop(1)
    page["children"].pop(2)

    figma_import = start_import(designer_client, prototype, django_capture_on_commit_callbacks)

    figma_import.refresh_from_db()
    assert figma_import.status == FigmaImport.Status.DONE, figma_import.error
    assert screens_of(prototype) == [first, second, third]
    first.refresh_from_db()
    assert first.name == "Welcome" and first.is_ready
    assert Hotspot.objects.get(pk=drawn.pk).label == "Drawn by hand"
    imported.refresh_from_db()
    assert imported.label == "Continue" and imported.y == pytest.approx(400 / 844)
    assert imported.target == second
    assert not Hotspot.objects.filter(screen=second, label="Back").exists()
    assert Hotspot.objects.filter(screen=first).count() == 3  # Next, Back and the drawn one
    assert (
        figma_import.screens_added,
        figma_import.screens_updated,
        figma_import.screens_renamed,
        figma_import.screens_kept,
    ) == (0, 2, 1, 1)
    assert (
        figma_import.hotspots_added,
        figma_import.hotspots_updated,
        figma_import.hotspots_removed,
    ) == (0, 1, 1)
    # The kept third screen keeps its Back link too.
    assert FigmaHotspot.objects.count() == 4


def test_a_new_frame_on_a_later_import_is_added_at_the_end(
    designer_client, prototype, fake, django_capture_on_commit_callbacks
):
    fake.files[KEY] = design_file("Shop", [phone_flow(2)])
    start_import(designer_client, prototype, django_capture_on_commit_callbacks)
    fake.files[KEY] = design_file("Shop", [phone_flow(3)])

    start_import(designer_client, prototype, django_capture_on_commit_callbacks)

    assert [screen.name for screen in screens_of(prototype)] == [
        "Screen 1",
        "Screen 2",
        "Screen 3",
    ]
    assert FigmaScreen.objects.count() == 3
    # The second screen's Next button now leads to the new screen.
    third = screens_of(prototype)[2]
    assert Hotspot.objects.get(screen__name="Screen 2", label="Next").target == third


def test_a_frame_figma_cannot_render_fails_with_a_reason_and_the_rest_import(
    designer_client, prototype, fake, django_capture_on_commit_callbacks
):
    fake.files[KEY] = design_file("Shop", [phone_flow(2)])
    fake.unrenderable.add("1:2")

    figma_import = start_import(designer_client, prototype, django_capture_on_commit_callbacks)

    figma_import.refresh_from_db()
    assert figma_import.status == FigmaImport.Status.DONE
    assert figma_import.screens_failed == 1
    first, second = screens_of(prototype)
    assert first.is_ready
    assert second.status == Screen.Status.FAILED
    assert second.failure_reason.startswith("Figma could not render this frame")
    page = designer_client.get(reverse("figma_import_status", args=[figma_import.pk]))
    assert "1 frame could not be imported" in page.content.decode()


def test_a_render_that_is_not_an_image_fails_its_screen_with_the_pipeline_reason(
    designer_client, prototype, fake, django_capture_on_commit_callbacks
):
    fake.files[KEY] = design_file("Shop", [phone_flow(2)])
    fake.renders["1:2"] = b"<html>not a picture</html>"

    figma_import = start_import(designer_client, prototype, django_capture_on_commit_callbacks)

    figma_import.refresh_from_db()
    assert figma_import.status == FigmaImport.Status.DONE
    assert figma_import.screens_failed == 1
    second = screens_of(prototype)[1]
    assert second.status == Screen.Status.FAILED
    assert "web page (HTML)" in second.failure_reason


def test_the_token_never_reaches_logs_rows_or_pages(
    designer_client, prototype, fake, django_capture_on_commit_callbacks, caplog
):
    fake.files[KEY] = design_file("Shop", [phone_flow(2)])
    caplog.set_level(logging.DEBUG)

    done = start_import(designer_client, prototype, django_capture_on_commit_callbacks)
    refused = start_import(
        designer_client, prototype, django_capture_on_commit_callbacks, token=TOKEN + "x"
    )
    with django_capture_on_commit_callbacks(execute=True):
        form_page = designer_client.post(
            reverse("figma_import", args=[prototype.pk]),
            {"link": "not a link", "token": TOKEN, "scale": 2},
        )

    assert form_page.status_code == 200
    assert "This is not a link to a Figma file." in form_page.content.decode()
    pages = [
        form_page,
        designer_client.get(reverse("figma_import", args=[prototype.pk])),
        designer_client.get(reverse("figma_import_status", args=[done.pk])),
        designer_client.get(reverse("figma_import_status", args=[refused.pk])),
    ]
    assert all(TOKEN not in page.content.decode() for page in pages)
    assert caplog.records and TOKEN not in caplog.text
    rows = [list(FigmaImport.objects.values()), list(Job.objects.values())]
    assert TOKEN not in repr(rows)


def test_the_job_message_shows_the_token_masked(prototype, fake, monkeypatch, designer):
    from prototypes.figma import services
    from prototypes.figma.tasks import import_figma

    sent = {}
    monkeypatch.setattr(import_figma, "apply_async", lambda **options: sent.update(options))

    services.send(1, TOKEN)

    assert sent["kwargs"] == {"token": TOKEN}
    assert TOKEN not in sent["kwargsrepr"]


def test_a_queue_that_does_not_answer_fails_the_import_with_a_sentence(
    prototype, fake, monkeypatch, designer
):
    from prototypes.figma import services
    from prototypes.figma.tasks import import_figma

    def refuse(**options):
        raise ConnectionError(f"broker down {options}")

    monkeypatch.setattr(import_figma, "apply_async", refuse)
    figma_import = FigmaImport.objects.create(prototype=prototype, file_key=KEY)

    services.send(figma_import.pk, TOKEN)

    figma_import.refresh_from_db()
    assert figma_import.status == FigmaImport.Status.FAILED
    assert figma_import.error == services.QUEUE_DOWN_MESSAGE


def test_the_status_page_polls_its_partial_until_finished(
    designer_client, prototype, fake, django_capture_on_commit_callbacks
):
    running = FigmaImport.objects.create(
        prototype=prototype,
        file_key=KEY,
        status=FigmaImport.Status.RUNNING,
        step=FigmaImport.Step.DOWNLOADING,
        frames_total=40,
        frames_done=10,
    )

    partial = designer_client.get(
        reverse("figma_import_status", args=[running.pk]), headers={"HX-Request": "true"}
    ).content.decode()

    assert partial.lstrip().startswith(
        f'<div class="import-status import-running" id="figma-import-{running.pk}"'
    )
    assert 'hx-trigger="every 1s"' in partial and "10 of 40" in partial
    assert "<html" not in partial


def test_scripted_prototypes_have_no_figma_import(designer_client, workspace, fake):
    scripted = factories.PrototypeFactory(workspace=workspace, kind=Prototype.Kind.SCRIPTED)

    response = designer_client.get(reverse("figma_import", args=[scripted.pk]))

    assert response.status_code == 302
    assert response.url == reverse("prototype_detail", args=[scripted.pk])


def test_the_form_remembers_the_last_link_but_never_the_token(
    designer_client, prototype, fake, django_capture_on_commit_callbacks
):
    fake.files[KEY] = design_file("Shop", [phone_flow(1)])
    start_import(designer_client, prototype, django_capture_on_commit_callbacks)

    page = designer_client.get(reverse("figma_import", args=[prototype.pk])).content.decode()

    assert f"https://www.figma.com/design/{KEY}/?node-id=0-1" in page
    assert 'type="password"' in page
    assert "never stored" in page


def test_an_unexpected_error_is_logged_without_the_token_and_said_on_the_status_page(
    designer_client, prototype, fake, django_capture_on_commit_callbacks, caplog, monkeypatch
):
    from prototypes.figma import services, tasks

    def crash(figma_import, client):
        raise RuntimeError("a bug on our side")

    monkeypatch.setattr(services, "run", crash)
    caplog.set_level(logging.DEBUG)

    figma_import = start_import(designer_client, prototype, django_capture_on_commit_callbacks)

    figma_import.refresh_from_db()
    assert figma_import.status == FigmaImport.Status.FAILED
    assert figma_import.error == tasks.FAILED_MESSAGE
    assert "a bug on our side" in caplog.text
    assert TOKEN not in caplog.text


def test_renders_are_downloaded_over_https_only_from_the_real_api():
    from prototypes.figma.client import Client

    client = Client("https://api.figma.com", TOKEN, 0)

    for url in ("http://figma-alpha-api.s3.example/x.png", "file:///etc/passwd"):
        with pytest.raises(FigmaError) as refusal:
            client.download(url, 1000)
        assert refusal.value.message.startswith("Figma gave an address for this frame's image")


def test_the_token_does_not_follow_a_redirect(
    designer_client, prototype, fake, django_capture_on_commit_callbacks
):
    fake.files[KEY] = design_file("Shop", [phone_flow(2)])
    fake.redirects[f"/v1/files/{KEY}"] = f"{fake.url}/elsewhere"

    figma_import = start_import(designer_client, prototype, django_capture_on_commit_callbacks)

    figma_import.refresh_from_db()
    assert figma_import.status == FigmaImport.Status.FAILED
    assert figma_import.error.startswith("Figma answered with an error (HTTP 302).")
    assert fake.requested("/elsewhere") == []


def test_two_files_in_one_draft_keep_their_own_screens_and_hotspots_apart(
    designer_client, prototype, fake, django_capture_on_commit_callbacks
):
    other = "ZyXwVuTsRqPoNmLkJiHgFe"
    fake.files[KEY] = design_file("Shop", [phone_flow(2, prefix="Shop")])
    fake.files[other] = design_file("Onboarding", [phone_flow(2, prefix="Onboarding")])
    start_import(designer_client, prototype, django_capture_on_commit_callbacks)

    # The same node ids (1:1, 3:1…) in another file.
    start_import(designer_client, prototype, django_capture_on_commit_callbacks, link=other)
    start_import(designer_client, prototype, django_capture_on_commit_callbacks)

    names = [screen.name for screen in screens_of(prototype)]
    assert names == ["Shop 1", "Shop 2", "Onboarding 1", "Onboarding 2"]
    for prefix in ("Shop", "Onboarding"):
        button = Hotspot.objects.get(screen__name=f"{prefix} 1", label="Next")
        assert button.target.name == f"{prefix} 2"
    assert Hotspot.objects.count() == 6


def test_the_form_lists_earlier_imports_in_the_same_number_of_queries(
    designer_client, prototype, django_assert_num_queries, fake
):
    url = reverse("figma_import", args=[prototype.pk])
    FigmaImport.objects.create(prototype=prototype, file_key=KEY)
    designer_client.get(url)
    with CaptureQueriesContext(connection) as one:
        designer_client.get(url)
    for _ in range(6):
        FigmaImport.objects.create(prototype=prototype, file_key=KEY)

    with django_assert_num_queries(len(one.captured_queries)):
        page = designer_client.get(url)

    assert page.content.decode().count("figma/") >= 5
