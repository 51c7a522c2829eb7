"""Planning a study's size: analysis.sample_to_settle and the warnings of the study pages."""

import pytest
from django.urls import reverse

from prototypes import analysis
from prototypes.analysis import Criterion
from tests import factories
from tests.unit.test_studies_planning import study_data


@pytest.fixture
def version(workspace):
    return factories.published_shop_version(workspace)


@pytest.fixture
def study(workspace, version):
    study = factories.StudyFactory(
        workspace=workspace, prototype_version=version, target_participants=20
    )
    task = factories.TaskFactory(study=study, start_screen=version.screens.first())
    factories.CriterionFactory(
        study=study, task=task, metric="completion_rate", comparison="at_least", threshold=0.8
    )
    return study


def test_a_rate_far_from_certain_needs_fewer_participants_than_one_near_it():
    easy = analysis.sample_to_settle(Criterion("completion_rate", "at_least", 0.5, True))
    hard = analysis.sample_to_settle(Criterion("completion_rate", "at_least", 0.8, True))
    assert 10 < easy < hard < 400


@pytest.mark.parametrize(
    "rule",
    [
        Criterion("seq", "at_least", 5.5, True),
        Criterion("sus", "at_most", 40, True),
        Criterion("time_on_task", "at_most", 60, True),
        Criterion("misclick_rate", "at_most", 0.2, True),
    ],
)
def test_every_kind_gets_a_planning_sample_that_settles_in_simulation(rule):
    needed = analysis.sample_to_settle(rule)
    assert 3 < needed < analysis.PROJECTION_HORIZON
    # The best possible answers settle it sooner than plausible ones.
    best = {"seq": 7, "sus": 0.0, "time_on_task": 1.0, "misclick_rate": False}[rule.metric]
    path = analysis.verdict_path(rule, [best] * needed)
    assert path[-1].verdict == analysis.PASS
    assert path[-1].settled_at <= needed


def test_a_threshold_at_the_end_of_the_scale_can_never_be_settled():
    assert analysis.sample_to_settle(Criterion("seq", "at_least", 7, True)) is None


def test_the_study_page_warns_when_the_target_cannot_settle_a_criterion(designer_client, study):
    html = designer_client.get(reverse("study_detail", args=[study.pk])).content.decode()
    assert "20 participants are unlikely to settle it" in html
    assert "Raise the target number of participants" in html


def test_the_study_form_warns_without_blocking_and_a_large_target_silences_it(
    designer_client, study, version
):
    url = reverse("study_edit", args=[study.pk])
    form = designer_client.get(url).context["form"]
    assert len(form.planning_warnings) == 1
    data = study_data(version, study.problem, hypothesis=study.hypothesis)
    response = designer_client.post(url, data, follow=True)
    assert response.redirect_chain
    assert "20 participants are unlikely to settle it" in response.content.decode()

    response = designer_client.post(url, {**data, "target_participants": 400}, follow=True)
    study.refresh_from_db()
    assert study.target_participants == 400
    assert "unlikely to settle" not in response.content.decode()
