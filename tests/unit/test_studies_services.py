import pytest

from prototypes.sessions.models import ParticipantSession, TaskAttempt
from prototypes.studies import services
from prototypes.studies.models import Criterion, ShareLink, Study, StudyChange
from tests import factories

State = Study.State


def screen(version, name):
    return version.screens.get(name=name)


def add_task(study, start="Home", goals=("Order detail",), **fields):
    version = study.prototype_version
    task = factories.TaskFactory(
        study=study,
        start_screen=screen(version, start),
        position=services.next_position(study.tasks),
        **fields,
    )
    task.goal_screens.set([screen(version, name) for name in goals])
    return task


def ready_study(study):
    task = add_task(study)
    factories.CriterionFactory(study=study, task=task, must_have=True)
    return task


# Locked changes and revisions.


def test_change_before_anyone_started_needs_no_reason_and_keeps_the_revision(study, designer):
    task = add_task(study)

    def rename():
        task.instruction = "Find your parcel."
        task.save()
        return "done"

    assert services.apply_locked_change(study, designer, "", "Renamed", rename) == "done"
    study.refresh_from_db()
    assert study.revision == 1
    assert not StudyChange.objects.exists()
    task.refresh_from_db()
    assert task.instruction == "Find your parcel."


def test_change_after_a_participant_started_is_refused_without_a_reason(study, designer):
    task = add_task(study)
    factories.SessionFactory(study=study)

    def rename():
        task.instruction = "Changed"
        task.save()

    with pytest.raises(services.ReasonRequired, match="say why"):
        services.apply_locked_change(study, designer, "   ", "Renamed", rename)
    task.refresh_from_db()
    study.refresh_from_db()
    assert task.instruction != "Changed"
    assert study.revision == 1
    assert not StudyChange.objects.exists()


def test_change_with_a_reason_makes_a_revision_and_an_audit_row(study, designer):
    task = add_task(study)
    factories.SessionFactory(study=study)

    def rename():
        task.instruction = "Find your parcel."
        task.save()

    services.apply_locked_change(study, designer, " Typo in the task ", "Changed task 1", rename)
    services.apply_locked_change(study, designer, "Second fix", "Changed task 1 again", rename)

    study.refresh_from_db()
    assert study.revision == 3
    changes = list(StudyChange.objects.order_by("revision"))
    assert [(c.revision, c.summary, c.reason, c.changed_by) for c in changes] == [
        (2, "Changed task 1", "Typo in the task", designer),
        (3, "Changed task 1 again", "Second fix", designer),
    ]


def test_a_change_that_saves_the_study_itself_keeps_the_new_revision(study, designer):
    factories.SessionFactory(study=study)

    def retitle():
        study.title = "Renamed"
        study.save()

    services.apply_locked_change(study, designer, "Clearer title", "Retitled", retitle)
    study.refresh_from_db()
    assert (study.title, study.revision) == ("Renamed", 2)


def test_a_failing_change_leaves_no_revision(study, designer):
    factories.SessionFactory(study=study)

    def fail():
        study.tasks.all().delete()
        raise services.StudyRuleError("no")

    with pytest.raises(services.StudyRuleError):
        services.apply_locked_change(study, designer, "Because", "Broken", fail)
    study.refresh_from_db()
    assert study.revision == 1
    assert not StudyChange.objects.exists()


# States.


def test_going_live_needs_a_task_and_a_must_have_criterion(study):
    with pytest.raises(services.TransitionRefused) as refused:
        services.transition(study, State.LIVE)
    assert len(refused.value.problems) == 2
    assert "task" in refused.value.problems[0]
    assert "must-have" in refused.value.problems[1]

    task = add_task(study)
    factories.CriterionFactory(study=study, task=task, must_have=False)
    with pytest.raises(services.TransitionRefused, match="must-have"):
        services.transition(study, State.LIVE)
    study.refresh_from_db()
    assert study.state == State.DRAFT
    assert not ShareLink.objects.exists()


def test_going_live_creates_the_default_link_once_and_records_the_time(study):
    ready_study(study)
    services.transition(study, State.LIVE)
    study.refresh_from_db()
    assert study.state == State.LIVE
    first_live = study.went_live_at
    assert first_live is not None
    assert study.share_links.count() == 1

    services.transition(study, State.PAUSED)
    services.transition(study, State.LIVE)
    study.refresh_from_db()
    assert study.went_live_at == first_live
    assert study.share_links.count() == 1


def test_going_live_keeps_an_existing_link(study):
    ready_study(study)
    link = factories.ShareLinkFactory(study=study, name="Panel")
    services.transition(study, State.LIVE)
    assert list(study.share_links.all()) == [link]


def test_closing_records_the_time_and_is_final(study):
    ready_study(study)
    services.transition(study, State.LIVE)
    services.transition(study, State.CLOSED)
    study.refresh_from_db()
    assert study.closed_at is not None
    for target in (State.LIVE, State.PAUSED, State.DRAFT):
        with pytest.raises(services.TransitionRefused, match="final"):
            services.transition(study, target)


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (State.DRAFT, State.PAUSED),
        (State.DRAFT, State.CLOSED),
        (State.LIVE, State.DRAFT),
        (State.LIVE, State.LIVE),
        (State.PAUSED, State.DRAFT),
        (State.PAUSED, State.PAUSED),
        (State.DRAFT, "archived"),
    ],
)
def test_invalid_transitions_are_refused(study, start, target):
    ready_study(study)
    Study.objects.filter(pk=study.pk).update(state=start)
    with pytest.raises(services.TransitionRefused):
        services.transition(study, target)
    study.refresh_from_db()
    assert study.state == start


def test_allowed_transitions_follow_the_state(study):
    assert services.allowed_transitions(study) == [(State.LIVE, "Go live")]
    study.state = State.PAUSED
    assert [state for state, _ in services.allowed_transitions(study)] == [
        State.LIVE,
        State.CLOSED,
    ]
    study.state = State.CLOSED
    assert services.allowed_transitions(study) == []


# Order and deletion.


def test_move_swaps_neighbours_and_stops_at_the_ends(study):
    first, second, third = (add_task(study, instruction=f"Task {n}") for n in (1, 2, 3))
    assert services.move(third, "up")
    assert list(study.tasks.values_list("instruction", flat=True)) == [
        "Task 1",
        "Task 3",
        "Task 2",
    ]
    first.refresh_from_db()
    assert not services.move(first, "up")
    third.refresh_from_db()
    assert services.move(third, "down")
    assert not services.move(third, "down")
    assert list(study.tasks.values_list("position", flat=True)) == [0, 1, 2]


def test_deleting_a_task_renumbers_the_others_and_drops_its_criteria(study):
    first, second, third = (add_task(study) for _ in range(3))
    factories.CriterionFactory(study=study, task=second)
    services.delete_task(second)
    assert list(study.tasks.values_list("pk", "position")) == [(first.pk, 0), (third.pk, 1)]
    assert not Criterion.objects.exists()


def test_a_task_with_attempts_cannot_be_deleted(study):
    task = add_task(study)
    factories.TaskAttemptFactory(session=factories.SessionFactory(study=study), task=task)
    with pytest.raises(services.StudyRuleError, match="delete their results"):
        services.delete_task(task)
    assert study.tasks.exists()


def test_a_live_study_keeps_at_least_one_task_and_one_must_have(study):
    task = ready_study(study)
    services.transition(study, State.LIVE)
    study.refresh_from_db()
    with pytest.raises(services.StudyRuleError, match="at least one task"):
        services.delete_task(study.tasks.get())
    with pytest.raises(services.StudyRuleError, match="must-have"):
        services.delete_criterion(study.criteria.get())
    add_task(study)
    factories.CriterionFactory(study=study, task=task, must_have=True)
    services.delete_criterion(study.criteria.first())
    assert study.criteria.count() == 1


def test_an_answered_question_cannot_be_deleted(study):
    question = factories.QuestionFactory(study=study)
    factories.AnswerFactory(session=factories.SessionFactory(study=study), question=question)
    with pytest.raises(services.StudyRuleError, match="answers"):
        services.delete_question(question)


# Screens and paths.


def test_shortest_path_follows_hotspots(version):
    ids = {s.name: s.pk for s in version.screens.all()}
    path = services.shortest_path(version, ids["Home"], [ids["Order detail"]])
    assert [version.screens.get(pk=pk).name for pk in path] == [
        "Home",
        "Account",
        "Orders",
        "Order detail",
    ]
    assert services.shortest_path(version, ids["Order detail"], [ids["Home"]]) == []


def test_missing_links_names_the_unconnected_steps(version):
    ids = {s.name: s.pk for s in version.screens.all()}
    path = [ids["Home"], ids["Orders"], ids["Order detail"]]
    assert services.missing_links(version, path) == [(ids["Home"], ids["Orders"])]


def test_tasks_follow_their_screens_into_a_new_version(workspace, study, version):
    task = add_task(study, goals=("Order detail", "Help"))
    ids = {s.name: s.pk for s in version.screens.all()}
    task.expected_path = [ids["Home"], ids["Account"], ids["Orders"], ids["Order detail"]]
    task.save()
    draft = version.prototype.draft
    newer = draft.publish()

    assert services.screens_missing_from(study, newer) == []
    services.move_tasks_to_version(study, newer)
    task.refresh_from_db()
    new_ids = {s.name: s.pk for s in newer.screens.all()}
    assert task.start_screen_id == new_ids["Home"]
    assert {s.pk for s in task.goal_screens.all()} == {new_ids["Order detail"], new_ids["Help"]}
    assert task.expected_path == [
        new_ids["Home"],
        new_ids["Account"],
        new_ids["Orders"],
        new_ids["Order detail"],
    ]


def test_screens_missing_from_another_version_are_named(workspace, study):
    add_task(study)
    other = factories.published_shop_version(workspace)
    assert services.screens_missing_from(study, other) == ["Home", "Order detail"]


# Live progress.


def add_attempts(study, tasks, sessions, outcomes):
    for index in range(sessions):
        session = factories.SessionFactory(
            study=study, state=ParticipantSession.State.COMPLETED if index % 2 else "active"
        )
        for task in tasks:
            outcome = outcomes[index % len(outcomes)]
            factories.TaskAttemptFactory(session=session, task=task, outcome=outcome)


def test_progress_counts_sessions_and_outcomes(study):
    tasks = [add_task(study) for _ in range(2)]
    outcomes = ["direct", "indirect", "gave_up", "timed_out", "abandoned", ""]
    add_attempts(study, tasks, sessions=12, outcomes=outcomes)
    factories.SessionFactory(study=study, state=ParticipantSession.State.SCREENED_OUT)

    progress = services.study_progress(study)
    assert (progress.started, progress.finished, progress.active) == (12, 6, 6)
    assert [row.task for row in progress.tasks] == tasks
    for row in progress.tasks:
        assert row.counts == dict.fromkeys(TaskAttempt.Outcome.values, 2)
        assert row.in_progress == 2
        assert row.total == 12
        widths = [width for _, _, _, _, width in row.segments]
        assert sum(widths) == pytest.approx(100 * 10 / 12, abs=0.01)


@pytest.mark.parametrize("task_count", [2, 20])
def test_progress_takes_the_same_queries_however_many_tasks(
    study, task_count, django_assert_num_queries
):
    tasks = [add_task(study) for _ in range(task_count)]
    add_attempts(study, tasks, sessions=5, outcomes=["direct", "gave_up"])
    with django_assert_num_queries(2):
        services.study_progress(study)
