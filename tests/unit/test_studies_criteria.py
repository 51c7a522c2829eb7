"""A study's success criteria: metrics, thresholds and what each may refer to."""

import pytest
from django.urls import reverse

from prototypes.studies import services
from prototypes.studies.models import Criterion, Study, StudyChange
from tests import factories
from tests.unit.test_studies_support import add_task, start_participant

State = Study.State


def criterion_data(**overrides):
    data = {
        "metric": "completion_rate",
        "task": "",
        "answer": "",
        "comparison": "at_least",
        "threshold": "70",
        "must_have": "on",
    }
    data.update(overrides)
    return data


def test_a_rate_is_entered_in_percent_and_stored_as_a_fraction(designer_client, study):
    task = add_task(study)
    response = designer_client.post(
        reverse("criterion_create", args=[study.pk]), criterion_data(task=task.pk)
    )
    assert response["Location"].endswith("#criteria")
    criterion = study.criteria.get()
    assert criterion.threshold == pytest.approx(0.7)
    assert criterion.describe() == "Completion rate of task 1 at least 70%"
    edit = designer_client.get(reverse("criterion_edit", args=[criterion.pk]))
    assert edit.context["form"]["threshold"].value() == 70


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({}, "task", "Choose the task this criterion measures."),
        ({"threshold": "120", "task": True}, "threshold", "Enter a percentage from 0 to 100"),
        ({"threshold": "0", "task": True}, "threshold", "would always be met"),
        (
            {"metric": "time_on_task", "threshold": "0", "task": True},
            "threshold",
            "Enter a time from 1 to 3600 seconds.",
        ),
        ({"metric": "seq", "threshold": "8", "task": True}, "threshold", "enter 1 to 7"),
        ({"metric": "sus", "threshold": "150"}, "threshold", "enter 0 to 100"),
        ({"metric": "sus", "threshold": "68"}, "metric", "Add the System Usability Scale"),
        ({"metric": "answer_share"}, "answer", "Choose the answer whose share"),
        ({"metric": "direct_success_rate", "task": True}, "task", "has no expected path"),
    ],
)
def test_criterion_mistakes_are_explained(designer_client, study, overrides, field, message):
    task = add_task(study)
    if overrides.pop("task", None):
        overrides["task"] = task.pk
    response = designer_client.post(
        reverse("criterion_create", args=[study.pk]), criterion_data(**overrides)
    )
    errors = response.context["form"].errors[field]
    assert any(message in error for error in errors), errors
    assert not Criterion.objects.exists()


def test_an_seq_criterion_needs_a_task_that_asks_it(designer_client, study):
    task = add_task(study, ask_seq=False)
    response = designer_client.post(
        reverse("criterion_create", args=[study.pk]),
        criterion_data(metric="seq", threshold="5.5", task=task.pk),
    )
    assert "does not ask the Single Ease Question" in response.context["form"].errors["task"][0]


def test_another_studys_task_cannot_be_chosen(designer_client, workspace, study, version):
    other = add_task(factories.StudyFactory(workspace=workspace, prototype_version=version))
    response = designer_client.post(
        reverse("criterion_create", args=[study.pk]), criterion_data(task=other.pk)
    )
    assert response.context["form"].errors["task"] == ["Choose one of this study's tasks."]


def test_a_sus_criterion_is_tied_to_the_sus_question(designer_client, study):
    sus = factories.QuestionFactory(study=study, kind="sus", text="")
    designer_client.post(
        reverse("criterion_create", args=[study.pk]),
        criterion_data(metric="sus", threshold="68", must_have=""),
    )
    criterion = study.criteria.get()
    assert (criterion.question, criterion.threshold, criterion.must_have) == (sus, 68, False)
    assert criterion.task is None


def test_an_answer_share_criterion_names_the_question_and_choice(designer_client, study):
    question = factories.QuestionFactory(
        study=study, kind="multiple", text="Which?", choices=["Email", "App"]
    )
    designer_client.post(
        reverse("criterion_create", args=[study.pk]),
        criterion_data(metric="answer_share", answer=f"{question.pk}:1", threshold="40"),
    )
    criterion = study.criteria.get()
    assert (criterion.question, criterion.choice) == (question, "App")
    assert criterion.threshold == pytest.approx(0.4)
    assert criterion.describe() == "Share answering “App” to “Which?” at least 40%"


def test_a_live_study_keeps_a_must_have_criterion(designer_client, study):
    task = add_task(study)
    criterion = factories.CriterionFactory(study=study, task=task, must_have=True)
    services.transition(study, State.LIVE)
    response = designer_client.post(
        reverse("criterion_edit", args=[criterion.pk]),
        criterion_data(task=task.pk, must_have=""),
    )
    assert "at least one must-have" in response.context["form"].errors["must_have"][0]
    criterion.refresh_from_db()
    assert criterion.must_have


def test_criteria_are_locked_once_participants_started(designer_client, study):
    task = add_task(study)
    criterion = factories.CriterionFactory(study=study, task=task, threshold=0.7)
    start_participant(study)
    url = reverse("criterion_edit", args=[criterion.pk])
    data = criterion_data(task=task.pk, threshold="80")
    assert "reason" in designer_client.post(url, data).context["form"].errors
    criterion.refresh_from_db()
    assert criterion.threshold == pytest.approx(0.7)

    designer_client.post(url, {**data, "reason": "Agreed with the product owner"})
    criterion.refresh_from_db()
    assert criterion.threshold == pytest.approx(0.8)
    change = StudyChange.objects.get()
    assert change.summary == (
        "Changed criterion “Completion rate of task 1 at least 70%” — Threshold: 70 → 80"
    )

    url = reverse("criterion_delete", args=[criterion.pk])
    assert "reason" in designer_client.post(url, {}).context["form"].errors
    designer_client.post(url, {"reason": "Measured elsewhere"})
    assert not study.criteria.exists()
    study.refresh_from_db()
    assert study.revision == 3
