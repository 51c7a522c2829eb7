"""A study's questions: the SUS, choices, scales, moving and deleting."""

import pytest
from django.urls import reverse

from prototypes.studies.models import Question
from tests import factories
from tests.unit.test_studies_support import page


def question_data(**overrides):
    data = {
        "kind": "open",
        "text": "",
        "choices_text": "",
        "scale_min": 1,
        "scale_max": 5,
        "required": "on",
    }
    data.update(overrides)
    return data


def test_adding_the_sus(designer_client, study):
    form_page = page(designer_client.get(reverse("question_create", args=[study.pk]) + "?kind=sus"))
    assert '<option value="sus" selected>' in form_page
    url = reverse("question_create", args=[study.pk])
    designer_client.post(url, question_data(kind="sus"))
    question = study.questions.get()
    assert (question.kind, question.text) == ("sus", "")
    response = designer_client.post(url, question_data(kind="sus"))
    assert response.context["form"].errors["kind"] == [
        "This study already asks the System Usability Scale."
    ]
    assert study.questions.count() == 1


def test_adding_a_single_choice_question(designer_client, study):
    designer_client.post(
        reverse("question_create", args=[study.pk]),
        question_data(kind="single", text="Which?", choices_text="Email\n\n  App  \nSMS\n"),
    )
    assert study.questions.get().choices == ["Email", "App", "SMS"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"kind": "open"}, "text", "Write the question participants will answer."),
        (
            {"kind": "single", "text": "Q", "choices_text": "Only one"},
            "choices_text",
            "Give at least two choices, one per line.",
        ),
        (
            {"kind": "multiple", "text": "Q", "choices_text": "Yes\nyes"},
            "choices_text",
            "“yes” is listed twice.",
        ),
        (
            {"kind": "rating", "text": "Q", "scale_min": 5, "scale_max": 5},
            "scale_max",
            "The highest rating must be above the lowest.",
        ),
        (
            {"kind": "rating", "text": "Q", "scale_min": 1, "scale_max": 50},
            "scale_max",
            "Ratings run from 0 to 10 at most.",
        ),
    ],
)
def test_question_mistakes_are_explained(designer_client, study, overrides, field, message):
    response = designer_client.post(
        reverse("question_create", args=[study.pk]), question_data(**overrides)
    )
    assert message in response.context["form"].errors[field]
    assert not Question.objects.exists()


def test_a_choice_counted_by_a_criterion_must_stay(designer_client, study):
    question = factories.QuestionFactory(
        study=study, kind="single", text="How?", choices=["Email", "App"]
    )
    factories.CriterionFactory(
        study=study, metric="answer_share", question=question, choice="App", threshold=0.5
    )
    response = designer_client.post(
        reverse("question_edit", args=[question.pk]),
        question_data(kind="single", text="How?", choices_text="Email\nPhone"),
    )
    assert "keep that choice" in response.context["form"].errors["choices_text"][0]
    question.refresh_from_db()
    assert question.choices == ["Email", "App"]


def test_moving_and_deleting_questions(designer_client, study):
    first = factories.QuestionFactory(study=study, text="First", position=0)
    second = factories.QuestionFactory(study=study, text="Second", position=1)
    designer_client.post(reverse("question_move", args=[first.pk]), {"direction": "down"})
    assert list(study.questions.values_list("pk", flat=True)) == [second.pk, first.pk]
    designer_client.post(reverse("question_delete", args=[second.pk]))
    assert list(study.questions.values_list("pk", "position")) == [(first.pk, 0)]
