"""Planning a study: creating, editing and deleting it, and its states from the study page."""

import pytest
from django.conf import settings
from django.urls import reverse

from prototypes.studies.models import Problem, Study, StudyChange
from tests import factories
from tests.unit.test_studies_support import add_task, page, start_participant

State = Study.State


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
        "think_aloud": "off",
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


def test_closing_a_study_shows_what_it_does_and_only_its_post_closes(designer_client, study):
    study.state = State.LIVE
    study.save()
    html = page(designer_client.get(reverse("study_close", args=[study.pk])))
    assert f"Close the study “{study.title}”?" in html
    assert "Nobody new can take part" in html and "verdict is frozen" in html
    assert "cannot be reopened" in html
    study.refresh_from_db()
    assert study.state == State.LIVE

    response = designer_client.post(reverse("study_close", args=[study.pk]), follow=True)
    assert "The study is closed" in page(response)
    study.refresh_from_db()
    assert study.state == State.CLOSED and study.closed_at is not None


@pytest.mark.parametrize("state", [State.LIVE, State.PAUSED])
def test_posting_close_without_the_confirmation_step_only_asks(designer_client, study, state):
    study.state = state
    study.save()
    response = designer_client.post(
        reverse("study_transition", args=[study.pk]), {"state": State.CLOSED}
    )
    assert response.url == reverse("study_close", args=[study.pk])
    study.refresh_from_db()
    assert study.state == state


def test_a_study_that_cannot_close_says_why_instead_of_asking(designer_client, study):
    for method in (designer_client.get, designer_client.post):
        html = page(method(reverse("study_close", args=[study.pk]), follow=True))
        assert "A draft study cannot become closed." in html
        study.refresh_from_db()
        assert study.state == State.DRAFT


def test_invalid_transitions_are_refused_from_the_page(designer_client, study):
    html = page(transition(designer_client, study, "archived"))
    assert "is not a state a study can be in." in html
    assert designer_client.get(reverse("study_transition", args=[study.pk])).status_code == 405
    study.refresh_from_db()
    assert study.state == State.DRAFT
