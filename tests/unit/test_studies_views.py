import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from prototypes.studies import services
from prototypes.studies.models import Criterion, Problem, Question, Study, StudyChange, Task
from tests import factories

State = Study.State


@pytest.fixture
def version(workspace):
    return factories.published_shop_version(workspace)


@pytest.fixture
def study(workspace, version):
    return factories.StudyFactory(workspace=workspace, prototype_version=version)


@pytest.fixture
def viewer_client(client, viewer):
    client.force_login(viewer)
    return client


def ids(version):
    return {screen.name: screen.pk for screen in version.screens.all()}


def add_task(study, start="Home", goals=("Order detail",), **fields):
    version_ids = ids(study.prototype_version)
    task = factories.TaskFactory(
        study=study,
        start_screen_id=version_ids[start],
        position=services.next_position(study.tasks),
        **fields,
    )
    task.goal_screens.set([version_ids[name] for name in goals])
    return task


def start_participant(study):
    return factories.SessionFactory(study=study)


def page(response):
    return response.content.decode()


# Who may see and change what.


def test_another_workspaces_study_and_its_parts_are_not_found(client, outsider, study):
    task = add_task(study)
    criterion = factories.CriterionFactory(study=study, task=task)
    client.force_login(outsider)
    for url in (
        reverse("study_detail", args=[study.pk]),
        reverse("study_progress", args=[study.pk]),
        reverse("study_edit", args=[study.pk]),
        reverse("task_edit", args=[task.pk]),
        reverse("criterion_edit", args=[criterion.pk]),
        reverse("problem_detail", args=[study.problem_id]),
    ):
        assert client.get(url).status_code == 404, url


def test_a_viewer_reads_but_cannot_change(viewer_client, study):
    task = add_task(study)
    assert viewer_client.get(reverse("study_detail", args=[study.pk])).status_code == 200
    assert viewer_client.get(reverse("study_list")).status_code == 200
    forbidden = [
        ("get", reverse("study_edit", args=[study.pk])),
        ("get", reverse("study_create")),
        ("get", reverse("problem_create")),
        ("post", reverse("task_create", args=[study.pk])),
        ("post", reverse("task_edit", args=[task.pk])),
        ("post", reverse("study_transition", args=[study.pk])),
        ("post", reverse("study_delete", args=[study.pk])),
    ]
    for method, url in forbidden:
        assert getattr(viewer_client, method)(url, {}).status_code == 403, url
    assert Study.objects.filter(pk=study.pk).exists()


def test_a_viewer_sees_no_edit_buttons(viewer_client, study):
    add_task(study)
    html = page(viewer_client.get(reverse("study_detail", args=[study.pk])))
    assert reverse("task_create", args=[study.pk]) not in html
    assert reverse("study_edit", args=[study.pk]) not in html


def test_anonymous_visitors_are_sent_to_log_in(client, study):
    response = client.get(reverse("study_detail", args=[study.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# Problems.


def test_problem_list_starts_empty(designer_client):
    response = designer_client.get(reverse("problem_list"))
    assert "No problems written down yet." in page(response)


def test_writing_down_a_problem(designer_client, workspace):
    response = designer_client.post(
        reverse("problem_create"),
        {
            "title": "Customers can't find their order",
            "who": "Mobile shoppers",
            "what": "They call support.",
            "evidence": "1,240 tickets in Q1",
        },
    )
    problem = Problem.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("problem_detail", args=[problem.pk])
    assert problem.workspace == workspace
    detail = page(designer_client.get(response["Location"]))
    assert "No studies of this problem yet." in detail
    assert "1,240 tickets in Q1" in detail


def test_a_problem_needs_who_and_what(designer_client):
    response = designer_client.post(reverse("problem_create"), {"title": "Something"})
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"who", "what"}
    assert not Problem.objects.exists()


def test_problem_detail_lists_its_studies(designer_client, study):
    response = designer_client.get(reverse("problem_detail", args=[study.problem_id]))
    assert study.title in page(response)


def test_the_decision_log_loaded_into_a_problem_page_replaces_its_placeholder(
    designer_client, study
):
    page_html = page(designer_client.get(reverse("problem_detail", args=[study.problem.pk])))
    placeholder = re.search(r'<section id="decisions"[^>]*>.*?</section>', page_html, re.S)
    url = re.search(r'hx-get="([^"]+)"', placeholder.group()).group(1)
    swap = re.search(r'hx-swap="([^"]+)"', placeholder.group()).group(1)
    fragment = page(designer_client.get(url, HTTP_HX_REQUEST="true"))

    if swap == "outerHTML":
        swapped = page_html.replace(placeholder.group(), fragment)
    else:
        opening = re.match(r"<section[^>]*>", placeholder.group()).group()
        swapped = page_html.replace(placeholder.group(), f"{opening}{fragment}</section>")

    assert page_html.count('id="decisions"') == 1
    assert fragment.count('id="decisions"') == 1
    assert swapped.count('id="decisions"') == 1


def test_editing_a_problem(designer_client, study):
    problem = study.problem
    designer_client.post(
        reverse("problem_edit", args=[problem.pk]),
        {"title": "New title", "who": problem.who, "what": problem.what, "evidence": ""},
    )
    problem.refresh_from_db()
    assert problem.title == "New title"


# Creating and editing studies.


def study_data(version, problem=None, **overrides):
    data = {
        "title": "Order status on the home screen",
        "problem": problem.pk if problem else "",
        "hypothesis": "Most customers find their delivery date in under a minute.",
        "prototype_version": version.pk,
        "consent_text": "I agree.",
        "target_participants": 20,
        "language": "en",
        "confidence": "0.9",
        "completion_code": "",
        "redirect_url": "",
        "new_problem_title": "",
        "new_problem_who": "",
        "new_problem_what": "",
        "new_problem_evidence": "",
    }
    data.update(overrides)
    return data


def test_study_list_starts_empty(designer_client):
    html = page(designer_client.get(reverse("study_list")))
    assert "No studies yet." in html


def test_study_list_filters_by_state(designer_client, workspace, version):
    factories.StudyFactory(workspace=workspace, prototype_version=version, title="Drafty")
    factories.StudyFactory(
        workspace=workspace, prototype_version=version, title="Livey", state=State.LIVE
    )
    html = page(designer_client.get(reverse("study_list") + "?state=live"))
    assert "Livey" in html
    assert "Drafty" not in html


def test_creating_a_study_for_an_existing_problem(designer_client, workspace, designer, version):
    problem = factories.ProblemFactory(workspace=workspace)
    response = designer_client.post(
        reverse("study_create"), study_data(version, problem, confidence="0.8")
    )
    study = Study.objects.get()
    assert response["Location"] == reverse("study_detail", args=[study.pk])
    assert (study.workspace, study.problem, study.created_by) == (workspace, problem, designer)
    assert study.confidence == 0.8
    assert study.state == State.DRAFT


def test_creating_a_study_with_a_new_problem(designer_client, workspace, version):
    designer_client.post(
        reverse("study_create"),
        study_data(
            version,
            new_problem_title="Late parcels",
            new_problem_who="Shoppers",
            new_problem_what="No tracking",
        ),
    )
    study = Study.objects.get()
    assert study.problem.title == "Late parcels"
    assert study.problem.workspace == workspace


def test_a_study_needs_a_problem_one_way_or_the_other(designer_client, workspace, version):
    response = designer_client.post(reverse("study_create"), study_data(version))
    errors = response.context["form"].errors
    assert set(errors) == {"new_problem_title", "new_problem_who", "new_problem_what"}
    problem = factories.ProblemFactory(workspace=workspace)
    response = designer_client.post(
        reverse("study_create"), study_data(version, problem, new_problem_title="Another")
    )
    assert "not both" in response.context["form"].errors["problem"][0]
    assert Problem.objects.count() == 1
    assert not Study.objects.exists()


def test_only_published_versions_of_this_workspace_can_be_chosen(designer_client, workspace):
    draft = factories.VersionFactory(prototype=factories.PrototypeFactory(workspace=workspace))
    elsewhere = factories.published_shop_version(factories.WorkspaceFactory())
    problem = factories.ProblemFactory(workspace=workspace)
    for version in (draft, elsewhere):
        response = designer_client.post(reverse("study_create"), study_data(version, problem))
        assert response.context["form"].errors["prototype_version"] == [
            "Choose a published version of one of this workspace's prototypes."
        ]
    assert not Study.objects.exists()


def test_another_workspaces_problem_cannot_be_chosen(designer_client, version):
    elsewhere = factories.ProblemFactory()
    response = designer_client.post(reverse("study_create"), study_data(version, elsewhere))
    assert "problem" in response.context["form"].errors


@pytest.mark.parametrize(
    ("field", "value"),
    [("confidence", "0.85"), ("target_participants", "0"), ("language", "de")],
)
def test_study_settings_are_validated(designer_client, workspace, version, field, value):
    problem = factories.ProblemFactory(workspace=workspace)
    response = designer_client.post(
        reverse("study_create"), study_data(version, problem, **{field: value})
    )
    assert field in response.context["form"].errors
    assert not Study.objects.exists()


def test_planning_a_study_without_a_published_prototype_says_what_to_do(designer_client):
    html = page(designer_client.get(reverse("study_create")))
    assert "No published prototype yet." in html


def test_editing_the_hypothesis_after_participants_started_needs_a_reason(
    designer_client, study, version
):
    start_participant(study)
    url = reverse("study_edit", args=[study.pk])
    data = study_data(version, study.problem, hypothesis="Something else")
    response = designer_client.post(url, data)
    assert "reason" in response.context["form"].errors
    study.refresh_from_db()
    assert study.hypothesis != "Something else"

    designer_client.post(url, {**data, "reason": "Sharper wording"})
    study.refresh_from_db()
    assert (study.hypothesis, study.revision) == ("Something else", 2)
    change = StudyChange.objects.get()
    assert change.reason == "Sharper wording"
    assert "Hypothesis" in change.summary


def test_retitling_a_started_study_needs_no_reason_but_new_consent_gets_a_version(
    designer_client, study, version
):
    start_participant(study)
    data = study_data(
        version, study.problem, hypothesis=study.hypothesis, title="Better", consent_text="New"
    )
    response = designer_client.post(reverse("study_edit", args=[study.pk]), data)
    assert response.status_code == 302
    study.refresh_from_db()
    assert (study.title, study.revision, study.consent_version) == ("Better", 1, 2)
    assert not StudyChange.objects.exists()


def test_changing_the_version_of_a_draft_moves_its_tasks(designer_client, study, version):
    task = add_task(study)
    newer = version.prototype.draft.publish()
    data = study_data(newer, study.problem, hypothesis=study.hypothesis)
    response = designer_client.post(reverse("study_edit", args=[study.pk]), data)
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.start_screen.version == newer
    assert {goal.version for goal in task.goal_screens.all()} == {newer}


def test_a_version_without_the_tasks_screens_is_refused(designer_client, workspace, study):
    add_task(study)
    other = factories.published_shop_version(workspace)
    data = study_data(other, study.problem, hypothesis=study.hypothesis)
    response = designer_client.post(reverse("study_edit", args=[study.pk]), data)
    error = response.context["form"].errors["prototype_version"][0]
    assert "“Home”, “Order detail”" in error
    study.refresh_from_db()
    assert study.prototype_version != other


def test_only_a_draft_study_can_be_deleted(designer_client, study):
    Study.objects.filter(pk=study.pk).update(state=State.LIVE)
    response = designer_client.post(reverse("study_delete", args=[study.pk]), follow=True)
    assert "Only a draft study can be deleted." in page(response)
    assert Study.objects.filter(pk=study.pk).exists()

    Study.objects.filter(pk=study.pk).update(state=State.DRAFT)
    assert designer_client.get(reverse("study_delete", args=[study.pk])).status_code == 200
    response = designer_client.post(reverse("study_delete", args=[study.pk]))
    assert response["Location"] == reverse("study_list")
    assert not Study.objects.filter(pk=study.pk).exists()


# States from the study page.


def transition(client, study, state):
    return client.post(reverse("study_transition", args=[study.pk]), {"state": state}, follow=True)


def test_going_live_without_a_task_or_criterion_explains_both(designer_client, study):
    html = page(transition(designer_client, study, State.LIVE))
    assert "Add at least one task" in html
    assert "Add at least one must-have success criterion" in html
    study.refresh_from_db()
    assert study.state == State.DRAFT


def test_going_live_shows_the_participant_link(designer_client, study):
    task = add_task(study)
    factories.CriterionFactory(study=study, task=task)
    html = page(transition(designer_client, study, State.LIVE))
    study.refresh_from_db()
    assert study.state == State.LIVE
    link = study.share_links.get()
    assert link.get_absolute_url() == f"/s/{link.token}/"
    assert f'value="{settings.SITE_URL}/s/{link.token}/"' in html
    assert 'data-copy="link-' in html


def test_invalid_transitions_are_refused_from_the_page(designer_client, study):
    html = page(transition(designer_client, study, State.CLOSED))
    assert "A draft study cannot become closed." in html
    assert designer_client.get(reverse("study_transition", args=[study.pk])).status_code == 405
    study.refresh_from_db()
    assert study.state == State.DRAFT


# Tasks.


def task_data(version, start="Home", goals=("Order detail",), path=(), **overrides):
    version_ids = ids(version)
    data = {
        "instruction": "Find out when your running shoes will arrive.",
        "start_screen": version_ids[start],
        "goal_screens": [version_ids[name] for name in goals],
        "time_limit_seconds": "",
        "ask_seq": "on",
    }
    data.update({f"path_{index}": version_ids[name] for index, name in enumerate(path)})
    data.update(overrides)
    return data


def test_adding_a_task_with_an_expected_path(designer_client, study, version):
    path = ("Home", "Account", "Orders", "Order detail")
    response = designer_client.post(
        reverse("task_create", args=[study.pk]),
        task_data(version, path=path, time_limit_seconds="120"),
    )
    assert response["Location"].endswith("#tasks")
    task = study.tasks.get()
    version_ids = ids(version)
    assert task.expected_path == [version_ids[name] for name in path]
    assert task.time_limit_seconds == 120
    assert task.ask_seq
    assert task.position == 0
    html = page(designer_client.get(reverse("study_detail", args=[study.pk])))
    assert "Home → Account → Orders → Order detail" in html


def test_the_task_form_offers_only_the_studys_screens(designer_client, workspace, study):
    other = factories.published_shop_version(workspace)
    html = page(designer_client.get(reverse("task_create", args=[study.pk])))
    for screen in other.screens.all():
        assert f'value="{screen.pk}"' not in html
    for screen in study.prototype_version.screens.all():
        assert f'value="{screen.pk}"' in html


@pytest.mark.parametrize("field", ["start_screen", "goal_screens", "path_1"])
def test_a_screen_of_another_version_is_refused(designer_client, workspace, study, field):
    other = factories.published_shop_version(workspace).screens.get(name="Orders")
    data = task_data(study.prototype_version, path=("Home", "Account", "Orders", "Order detail"))
    data[field] = [other.pk] if field == "goal_screens" else other.pk
    response = designer_client.post(reverse("task_create", args=[study.pk]), data)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [
        f"Choose one of the screens of {study.prototype_version}."
    ]
    assert not Task.objects.exists()


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (("Home",), "give at least the start screen and a goal screen"),
        (("Account", "Orders", "Order detail"), "it begins where the task starts, on “Home”"),
        (("Home", "Account", "Orders"), "it ends on one of the goal screens"),
        (("Home", "Orders", "Order detail"), "no hotspot on “Home” leads to “Orders”"),
        (
            ("Home", "Help", "Orders", "Order detail"),
            "the task ends on reaching “Help”, a goal screen",
        ),
    ],
)
def test_expected_path_mistakes_are_explained(designer_client, study, version, path, message):
    data = task_data(version, goals=("Order detail", "Help"), path=path)
    response = designer_client.post(reverse("task_create", args=[study.pk]), data)
    errors = response.context["form"].non_field_errors()
    assert len(errors) == 1
    assert message in errors[0]
    assert not Task.objects.exists()


def test_a_task_cannot_start_on_its_goal(designer_client, study, version):
    data = task_data(version, start="Orders", goals=("Orders",))
    response = designer_client.post(reverse("task_create", args=[study.pk]), data)
    assert "is the start screen" in response.context["form"].errors["goal_screens"][0]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"instruction": ""}, "instruction"),
        ({"goal_screens": []}, "goal_screens"),
        ({"time_limit_seconds": "3"}, "time_limit_seconds"),
        ({"time_limit_seconds": "7200"}, "time_limit_seconds"),
    ],
)
def test_task_fields_are_validated(designer_client, study, version, overrides, field):
    data = task_data(version, **overrides)
    response = designer_client.post(reverse("task_create", args=[study.pk]), data)
    assert field in response.context["form"].errors
    assert not Task.objects.exists()


def test_editing_a_task_before_anyone_started_makes_no_revision(designer_client, study, version):
    task = add_task(study)
    data = task_data(version, instruction="Where is my parcel?")
    response = designer_client.post(reverse("task_edit", args=[task.pk]), data)
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.instruction == "Where is my parcel?"
    study.refresh_from_db()
    assert study.revision == 1
    assert not StudyChange.objects.exists()


def test_a_started_studys_task_is_locked_unless_a_reason_is_given(
    designer_client, designer, study, version
):
    task = add_task(study, instruction="Find your order.")
    start_participant(study)
    url = reverse("task_edit", args=[task.pk])
    form_page = page(designer_client.get(url))
    assert "Why this change?" in form_page
    assert "revision 2" in form_page

    data = task_data(
        version, goals=("Order detail", "Help"), instruction="Find your parcel.", ask_seq=""
    )
    response = designer_client.post(url, data)
    assert response.context["form"].errors["reason"] == [
        "Participants have already started: say why you are making this change."
    ]
    task.refresh_from_db()
    assert task.instruction == "Find your order."

    response = designer_client.post(url, {**data, "reason": "The word order confused people"})
    assert response.status_code == 302
    task.refresh_from_db()
    study.refresh_from_db()
    assert task.instruction == "Find your parcel."
    assert study.revision == 2
    change = StudyChange.objects.get()
    assert change.revision == 2
    assert change.changed_by == designer
    assert change.reason == "The word order confused people"
    assert change.summary.startswith("Changed task 1 — ")
    assert "Instruction: “Find your order.” → “Find your parcel.”" in change.summary
    assert "Goal screens: Order detail → Order detail, Help" in change.summary
    assert "Ask the Single Ease Question afterwards: yes → no" in change.summary
    html = page(designer_client.get(reverse("study_detail", args=[study.pk])))
    assert "The word order confused people" in html


def test_submitting_an_unchanged_locked_task_changes_nothing(designer_client, study, version):
    task = add_task(study, instruction="Find out when your running shoes will arrive.")
    start_participant(study)
    data = task_data(version, reason="No reason")
    response = designer_client.post(reverse("task_edit", args=[task.pk]), data, follow=True)
    assert "Nothing changed." in page(response)
    study.refresh_from_db()
    assert study.revision == 1


def test_adding_a_task_to_a_started_study_makes_a_revision(designer_client, study, version):
    add_task(study)
    start_participant(study)
    url = reverse("task_create", args=[study.pk])
    assert "reason" in designer_client.post(url, task_data(version)).context["form"].errors
    designer_client.post(url, task_data(version, reason="A second scenario"))
    assert study.tasks.count() == 2
    change = StudyChange.objects.get()
    assert change.summary == ("Added task 2: “Find out when your running shoes will arrive.”.")


def test_deleting_a_task_of_a_started_study(designer_client, study):
    add_task(study)
    task = add_task(study, instruction="Second")
    start_participant(study)
    url = reverse("task_delete", args=[task.pk])
    assert "Why this change?" in page(designer_client.get(url))
    assert "reason" in designer_client.post(url, {}).context["form"].errors
    designer_client.post(url, {"reason": "Out of scope"})
    assert list(study.tasks.values_list("instruction", flat=True)) != ["Second"]
    assert study.tasks.count() == 1
    assert StudyChange.objects.get().summary == "Deleted task 2: “Second”."


def test_a_task_with_results_cannot_be_deleted(designer_client, study):
    task = add_task(study)
    add_task(study)
    session = start_participant(study)
    factories.TaskAttemptFactory(session=session, task=task)
    response = designer_client.post(reverse("task_delete", args=[task.pk]), {"reason": "x"})
    assert "deleting it would delete their results" in page(response)
    assert study.tasks.count() == 2
    study.refresh_from_db()
    assert study.revision == 1


def test_moving_tasks(designer_client, study):
    first = add_task(study, instruction="First")
    second = add_task(study, instruction="Second")
    response = designer_client.post(reverse("task_move", args=[second.pk]), {"direction": "up"})
    assert response.status_code == 302
    assert list(study.tasks.values_list("pk", flat=True)) == [second.pk, first.pk]

    start_participant(study)
    url = reverse("task_move", args=[first.pk]) + "?direction=up"
    assert "Why this change?" in page(designer_client.get(url))
    response = designer_client.post(url, {"direction": "up"})
    assert "reason" in response.context["form"].errors
    designer_client.post(url, {"direction": "up", "reason": "Warm-up task first"})
    assert list(study.tasks.values_list("pk", flat=True)) == [first.pk, second.pk]
    assert StudyChange.objects.get().summary == "Moved task 2 up."


# Questions.


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


# Criteria.


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


# The study page and its live progress.


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
