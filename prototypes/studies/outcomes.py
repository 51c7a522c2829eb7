"""An attempt's outcome as people read it, the same in the study's live progress, the sessions
table, the replay and every export.

A TaskAttempt's stored outcome says how the activity ended. A first-click, five-second or
preference task ends as soon as the participant has answered (its goal is its own start
screen), so its stored outcome is "direct" even when the first click missed the target. What
the attempt achieved depends on the task's kind, so everything that shows or exports an
attempt's outcome asks ``attempt_outcome``; a first-click test's click is judged by
``Task.target_contains``, the test the first-click result counts as well.
"""

from dataclasses import dataclass

from django.db.models import F, Window
from django.db.models.functions import RowNumber

from prototypes.sessions.models import Event, TaskAttempt
from prototypes.studies.models import Task

CLICK_TYPES = (Event.Type.CLICK, Event.Type.MISCLICK)

ON_TARGET = "on_target"
MISSED = "missed"
SEEN = "seen"
CHOSEN = "chosen"

SUCCESSFUL = (TaskAttempt.Outcome.DIRECT, TaskAttempt.Outcome.INDIRECT)
# What an attempt of each kind that ended without a failure achieved, in the order shown.
KIND_OUTCOMES = {
    Task.Kind.FIRST_CLICK: (
        (ON_TARGET, "First click on target"),
        (MISSED, "First click missed the target"),
    ),
    Task.Kind.FIVE_SECOND: ((SEEN, "Saw the screen"),),
    Task.Kind.PREFERENCE: ((CHOSEN, "Chose an option"),),
}


@dataclass(frozen=True)
class AttemptOutcome:
    value: str  # "" while in progress
    label: str
    succeeded: bool | None  # None while in progress

    def as_dict(self):
        return {"outcome": self.value, "outcome_label": self.label}


IN_PROGRESS = AttemptOutcome("", "In progress", None)


def attempt_outcome(task, outcome, first_click=None):
    """The outcome of ``task``'s attempt whose stored outcome is ``outcome``; ``first_click`` is
    the (x, y, …) of the attempt's first click, which only a first-click test reads."""
    if not outcome:
        return IN_PROGRESS
    if outcome not in SUCCESSFUL:
        return AttemptOutcome(outcome, TaskAttempt.Outcome(outcome).label, False)
    if task.kind == Task.Kind.FIRST_CLICK:
        hit, miss = KIND_OUTCOMES[Task.Kind.FIRST_CLICK]
        if first_click is not None and task.target_contains(*first_click[:2]):
            return AttemptOutcome(*hit, True)
        return AttemptOutcome(*miss, False)
    if task.kind in KIND_OUTCOMES:
        return AttemptOutcome(*KIND_OUTCOMES[task.kind][0], True)
    return AttemptOutcome(outcome, TaskAttempt.Outcome(outcome).label, True)


def first_click_events(sessions, **filters):
    """The first click or misclick of each session in each task, among the clicks matching
    ``filters``: one query, with a window function numbering the clicks of each attempt."""
    return (
        Event.objects.filter(session__in=sessions, type__in=CLICK_TYPES, **filters)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("session_id"), F("task_id")],
                order_by=[F("t_ms").asc(), F("id").asc()],
            )
        )
        .filter(rank=1)
        .order_by()
    )


def first_click_points(sessions, tasks):
    """(session id, task id) -> (x, y, t_ms) of each attempt's first click with a position at
    the first-click tests among ``tasks``: one query, none when there are no such tests."""
    task_ids = [task.pk for task in tasks if task.kind == Task.Kind.FIRST_CLICK]
    if not task_ids:
        return {}
    rows = first_click_events(
        sessions, task_id__in=task_ids, x__isnull=False, y__isnull=False
    ).values_list("session_id", "task_id", "x", "y", "t_ms")
    return {(session_id, task_id): (x, y, t_ms) for session_id, task_id, x, y, t_ms in rows}


def kind_outcome_counts(tasks, sessions):
    """task id -> [(value, label, attempts)] of what the ended attempts achieved, for the tasks
    among ``tasks`` that are not click-through: two queries at most, none without such tasks."""
    by_id = {task.pk: task for task in tasks if task.kind in KIND_OUTCOMES}
    if not by_id:
        return {}
    first_clicks = first_click_points(sessions, by_id.values())
    counts = {
        task_id: dict.fromkeys(KIND_OUTCOMES[task.kind], 0) for task_id, task in by_id.items()
    }
    attempts = TaskAttempt.objects.filter(
        session__in=sessions, task_id__in=list(by_id), outcome__in=SUCCESSFUL
    ).values_list("session_id", "task_id", "outcome")
    for session_id, task_id, outcome in attempts:
        shown = attempt_outcome(by_id[task_id], outcome, first_clicks.get((session_id, task_id)))
        counts[task_id][shown.value, shown.label] += 1
    return {
        task_id: [(value, label, count) for (value, label), count in task_counts.items()]
        for task_id, task_counts in counts.items()
    }
