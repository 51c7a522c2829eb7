"""A study's tasks: adding, editing, locking once participants started, moving."""

import pytest
from django.urls import reverse

from prototypes.studies.models import StudyChange, Task
from tests import factories
from tests.unit.test_studies_support import add_task, ids, page, start_participant


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
