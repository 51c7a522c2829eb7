"""What the player page lists for the browser to fetch while the participant reads the welcome
page, the study it carries so that the session starts in the background, and the HTTP
compression of what Django answers."""

import gzip
import json
import re

import pytest
from django.urls import reverse
from django.utils import translation

from prototypes.models import Prototype
from prototypes.player.warmup import study_before_start, warmup_images
from prototypes.studies.models import StudyConcept
from tests import factories
from tests.unit.test_player_support import build_player_study

pytestmark = pytest.mark.django_db


def page_warmup(client, setup):
    html = client.get(reverse("player_start", args=[setup.link.token])).content.decode()
    found = re.search(r'<script id="player-warmup" type="application/json">(.*?)</script>', html)
    return json.loads(found.group(1)) if found else None


def test_the_first_tasks_start_screen_comes_first_then_the_screens_it_links_to(client):
    setup = build_player_study()
    screens = setup.screens

    listed = page_warmup(client, setup)

    assert listed == [
        {"image": screens[name].image.url, "thumbnail": screens[name].thumbnail.url}
        for name in ("Home", "Orders", "Profile")
    ]


def test_the_welcome_page_is_shown_by_the_page_itself(client):
    setup = build_player_study()
    html = client.get(reverse("player_start", args=[setup.link.token])).content.decode()

    assert re.search(r'data-phase="welcome"(?![^>]*\bhidden\b)[^>]*>', html)


def test_warming_up_costs_two_queries(django_assert_max_num_queries):
    setup = build_player_study()
    with django_assert_max_num_queries(3):
        assert len(warmup_images(setup.study)) == 3


def test_a_scripted_prototype_lists_nothing():
    setup = build_player_study()
    prototype = setup.study.prototype_version.prototype
    prototype.kind = Prototype.Kind.SCRIPTED
    prototype.save()
    assert warmup_images(setup.study) == []


def test_a_study_without_tasks_lists_nothing():
    setup = build_player_study()
    setup.study.tasks.all().delete()
    assert warmup_images(setup.study) == []


def test_the_session_start_gives_each_screen_its_thumbnail(client):
    setup = build_player_study()
    response = client.post(
        reverse("api_session_start", args=[setup.link.token]),
        json.dumps({"consent": True}),
        content_type="application/json",
    )
    screens = {screen["name"]: screen for screen in response.json()["screens"]}
    assert screens["Home"]["thumbnail_url"] == setup.screens["Home"].thumbnail.url


def test_pages_and_json_are_compressed_for_browsers_that_accept_it(client):
    setup = build_player_study()
    response = client.get(
        reverse("player_start", args=[setup.link.token]), HTTP_ACCEPT_ENCODING="gzip, br"
    )
    assert response["Content-Encoding"] == "gzip"
    assert setup.study.title in gzip.decompress(response.content).decode()


def test_screen_images_are_not_compressed_again(client):
    setup = build_player_study()
    response = client.get(setup.screens["Home"].image.url, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert "Content-Encoding" not in response
    assert "immutable" in response["Cache-Control"]


def test_a_tree_test_or_card_sort_whose_first_task_starts_on_no_screen_lists_nothing(client):
    setup = build_player_study()
    first = setup.study.tasks.order_by("position", "id").first()
    first.start_screen = None
    first.save()
    assert warmup_images(setup.study) == []
    response = client.get(reverse("player_start", args=[setup.link.token]))
    assert response.status_code == 200
    assert b'id="player-warmup"' not in response.content


def page_study(client, setup):
    html = client.get(reverse("player_start", args=[setup.link.token])).content.decode()
    found = re.search(r'<script id="player-study" type="application/json">(.*?)</script>', html)
    return json.loads(found.group(1)) if found else None


def test_the_page_carries_the_study_as_the_session_start_answers_it(client):
    setup = build_player_study()
    in_page = page_study(client, setup)
    answer = client.post(
        reverse("api_session_start", args=[setup.link.token]),
        json.dumps({"consent": True}),
        content_type="application/json",
    ).json()
    assert in_page == {
        key: value for key, value in answer.items() if key not in ("session_token", "admitted")
    }


def test_the_study_in_the_page_costs_one_query_once_cached(django_assert_max_num_queries):
    setup = build_player_study()
    with translation.override(setup.study.language):
        study_before_start(setup.study)
        with django_assert_max_num_queries(1):
            assert study_before_start(setup.study)["tasks"]


def test_the_session_start_decides_the_study_with_a_screener_or_concepts(client):
    screened = build_player_study()
    factories.ScreenerQuestionFactory(study=screened.study)
    assert page_study(client, screened) is None

    compared = build_player_study()
    StudyConcept.objects.create(
        study=compared.study, version=compared.study.prototype_version, label="A", position=0
    )
    assert page_study(client, compared) is None
