"""The study page and its live progress."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from prototypes.studies.models import Study, StudyChange
from tests import factories
from tests.unit.test_studies_support import add_task, page

State = Study.State


def test_a_new_study_page_shows_its_empty_states(designer_client, study):
    html = page(designer_client.get(reverse("study_detail", args=[study.pk])))
    assert "No participants yet." in html
    assert "No tasks yet." in html
    assert "No questions yet." in html
    assert "No criteria yet." in html
    assert "Before going live" in html
    assert 'hx-trigger="every 5s"' not in html


def fill_study(study, task_count, sessions):
    tasks = [add_task(study) for _ in range(task_count)]
    for task in tasks:
        factories.CriterionFactory(study=study, task=task)
    factories.QuestionFactory(study=study, kind="sus", text="")
    factories.QuestionFactory(study=study, kind="single", text="Q", choices=["a", "b"])
    factories.ShareLinkFactory(study=study)
    outcomes = ["direct", "indirect", "gave_up", "timed_out", "abandoned", ""]
    for index in range(sessions):
        session = factories.SessionFactory(study=study, state="completed")
        for task in tasks:
            factories.TaskAttemptFactory(
                session=session, task=task, outcome=outcomes[index % len(outcomes)]
            )
    Study.objects.filter(pk=study.pk).update(state=State.LIVE, revision=2)
    StudyChange.objects.create(study=study, revision=2, summary="s", reason="r")


def count_queries(client, url, **headers):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, **headers)
    assert response.status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("url_name", ["study_detail", "study_progress"])
def test_the_study_page_takes_the_same_queries_however_many_tasks_and_participants(
    designer_client, workspace, url_name, django_assert_max_num_queries
):
    counts = []
    for task_count, sessions in ((2, 1), (20, 12)):
        version = factories.published_shop_version(workspace)
        study = factories.StudyFactory(workspace=workspace, prototype_version=version)
        fill_study(study, task_count, sessions)
        url = reverse(url_name, args=[study.pk])
        with django_assert_max_num_queries(15 if url_name == "study_detail" else 7):
            designer_client.get(url)
        counts.append(count_queries(designer_client, url))
    assert counts[0] == counts[1]


def test_live_progress_shows_outcomes_and_polls(designer_client, study):
    fill_study(study, task_count=2, sessions=6)
    html = page(designer_client.get(reverse("study_detail", args=[study.pk])))
    assert 'hx-trigger="every 5s"' in html
    assert reverse("study_progress", args=[study.pk]) in html
    assert "revision 1: 0, revision 2: 0" not in html

    response = designer_client.get(
        reverse("study_progress", args=[study.pk]), headers={"HX-Request": "true"}
    )
    partial = page(response)
    assert partial.lstrip().startswith('<section id="progress"')
    assert "<html" not in partial
    assert "<strong>6</strong><span>started</span>" in partial
    assert '<rect class="o-direct"' in partial


def test_progress_bars_ignore_the_locale(designer_client, study, settings):
    fill_study(study, task_count=1, sessions=3)
    with_french = designer_client.get(
        reverse("study_progress", args=[study.pk]), headers={"Accept-Language": "fr"}
    )
    assert 'width="33.333"' in page(with_french)


def test_closed_studies_stop_polling(designer_client, study):
    fill_study(study, task_count=1, sessions=1)
    Study.objects.filter(pk=study.pk).update(state=State.CLOSED)
    html = page(designer_client.get(reverse("study_progress", args=[study.pk])))
    assert "hx-trigger" not in html


def test_a_new_criterion_starts_as_a_completion_rate_at_least(designer_client, study):
    form = designer_client.get(reverse("criterion_create", args=[study.pk])).context["form"]
    assert (form["metric"].value(), form["comparison"].value()) == ("completion_rate", "at_least")
