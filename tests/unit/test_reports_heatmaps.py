"""Click heatmaps: drawn in the background, cached, and drawn again only for new clicks."""

import io

import pytest
from django.urls import reverse
from PIL import Image

from prototypes.models import HeatmapImage, Job
from prototypes.reports.heatmaps import click_fingerprints, draw_heatmap, heatmap_state
from prototypes.reports.tasks import render_heatmap
from tests import factories
from tests.unit.test_reports_views import make_study


@pytest.fixture
def study(workspace):
    return make_study(workspace, title="Order status")


@pytest.fixture
def home(study):
    return study.tasks.get().start_screen


def click(study, screen, x=0.5, y=0.5):
    return factories.EventFactory(
        session=study.sessions.first(), task=study.tasks.get(), screen=screen, x=x, y=y
    )


def test_drawing_is_idempotent_and_redone_for_new_clicks(
    study, home, django_capture_on_commit_callbacks
):
    assert render_heatmap.delay(study.pk, home.pk).get(disable_sync_subtasks=False) == "drawn"
    heatmap = HeatmapImage.objects.get(study=study, screen=home)
    first_file, first_fingerprint = heatmap.file.name, heatmap.fingerprint
    assert first_fingerprint == click_fingerprints(study)[home.pk]

    assert render_heatmap.delay(study.pk, home.pk).get(disable_sync_subtasks=False) == "up to date"
    heatmap.refresh_from_db()
    assert heatmap.file.name == first_file

    click(study, home, 0.9, 0.1)
    with django_capture_on_commit_callbacks(execute=True):
        assert render_heatmap.delay(study.pk, home.pk).get(disable_sync_subtasks=False) == "drawn"
    heatmap.refresh_from_db()
    assert heatmap.fingerprint != first_fingerprint
    assert heatmap.file.name != first_file
    assert heatmap.file.storage.exists(heatmap.file.name)
    # The stale picture is removed once the new one is saved.
    assert not heatmap.file.storage.exists(first_file)


def test_the_page_asks_for_a_drawing_once_and_shows_it_when_ready(
    client, viewer, study, home, django_capture_on_commit_callbacks
):
    client.force_login(viewer)
    url = reverse("study_heatmap", args=[study.pk, home.pk])
    html = client.get(url).content.decode()
    assert "Drawing the heatmap of 3 clicks" in html
    assert 'hx-trigger="every 2s"' in html
    client.get(url)
    assert Job.objects.filter(task_name="prototypes.reports.render_heatmap").count() == 1
    image_url = reverse("study_heatmap_image", args=[study.pk, home.pk])
    assert client.get(image_url).status_code == 202

    render_heatmap.delay(study.pk, home.pk)
    html = client.get(url).content.decode()
    assert "hx-trigger" not in html
    assert image_url in html
    response = client.get(image_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    picture = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert picture.size == (home.width, home.height)

    # A new click makes the cached picture stale: the page polls again and queues one build.
    click(study, home)
    with django_capture_on_commit_callbacks(execute=True):
        html = client.get(url).content.decode()
    assert "Drawing the heatmap of 4 clicks" in html
    assert "hx-trigger" not in client.get(url).content.decode()


def test_the_results_page_lists_a_heatmap_per_clicked_screen(client, viewer, study, home):
    client.force_login(viewer)
    html = client.get(reverse("study_results", args=[study.pk])).content.decode()
    assert f'id="heatmap-{home.pk}"' in html
    state = heatmap_state(study, home)
    assert state.building and state.clicks == 3


def test_a_screen_of_another_workspace_is_not_found(client, viewer, study):
    stranger = factories.ScreenFactory()
    client.force_login(viewer)
    assert client.get(reverse("study_heatmap", args=[study.pk, stranger.pk])).status_code == 404


def test_heat_is_where_the_clicks_are():
    screen = io.BytesIO()
    Image.new("RGB", (200, 400), "white").save(screen, "PNG")
    screen.seek(0)
    png = draw_heatmap(screen, [(0.25, 0.25)] * 5)
    picture = Image.open(io.BytesIO(png)).convert("RGB")
    hot = picture.getpixel((50, 100))
    cold = picture.getpixel((150, 350))
    assert hot[0] > 150 and hot[1] < 120  # red where everyone clicked
    assert cold[0] == cold[1] == cold[2]  # untouched grey elsewhere


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_results_page_draws_nothing_and_each_placeholder_draws_its_own(
    client, viewer, study, home
):
    """Jobs run in the process when there is no broker: drawing every heatmap in the results
    page's request would make it wait seconds. The page shows placeholders; the first poll of a
    placeholder draws its heatmap and answers with it."""
    client.force_login(viewer)
    html = client.get(reverse("study_results", args=[study.pk])).content.decode()
    assert "Drawing the heatmap of 3 clicks" in html
    assert not Job.objects.filter(task_name="prototypes.reports.render_heatmap").exists()

    fragment = client.get(reverse("study_heatmap", args=[study.pk, home.pk])).content.decode()
    assert "hx-trigger" not in fragment
    assert reverse("study_heatmap_image", args=[study.pk, home.pk]) in fragment
    assert HeatmapImage.objects.get(study=study, screen=home).file
