"""The participant's welcome page says what taking part involves before consent is asked."""

import re

import pytest
from django.test import Client

from prototypes.player.services import study_length
from prototypes.studies.models import Task
from tests import factories
from tests.unit.test_player_support import build_player_study

pytestmark = pytest.mark.django_db


def welcome(link):
    html = Client().get(link.get_absolute_url()).content.decode()
    return " ".join(html.split())


def test_the_welcome_page_states_the_tasks_questions_and_time():
    setup = build_player_study()
    # 45 s welcome, 90 s + 10 s SEQ and 90 s for the two tasks, 120 s SUS, 60 s open answer
    # and 3 × 20 s for the other questions: 475 s, rounded up.
    assert study_length(setup.study).minutes == 8
    html = welcome(setup.link)
    assert "2 tasks · 5 questions · about 8 minutes" in html


def test_the_welcome_page_speaks_the_study_language():
    setup = build_player_study(language="fr")
    assert "2 tâches · 5 questions · environ 8 minutes" in welcome(setup.link)


def test_a_short_time_limit_shortens_the_estimate_and_one_task_is_singular():
    study = factories.StudyFactory(state="live")
    factories.TaskFactory(
        study=study, kind=Task.Kind.FIRST_CLICK, ask_seq=False, time_limit_seconds=5
    )
    assert study_length(study).minutes == 1
    link = factories.ShareLinkFactory(study=study)
    html = welcome(link)
    assert "1 task · about 1 minute" in html


def test_before_you_start_is_a_subtitle_under_the_title():
    html = welcome(build_player_study().link)
    assert re.search(r'<h1 id="welcome-title"[^>]*>', html)
    assert '<h2 class="player-subtitle">Before you start</h2>' in html


def test_the_comment_box_states_its_limit_before_it_is_reached():
    html = welcome(build_player_study().link)
    assert 'maxlength="2000"' in html
    assert "Up to 2000 characters." in html
    assert 'aria-describedby="comment-count"' in html


def test_the_study_length_takes_a_fixed_number_of_queries(django_assert_max_num_queries):
    setup = build_player_study()
    with django_assert_max_num_queries(2):
        study_length(setup.study)
