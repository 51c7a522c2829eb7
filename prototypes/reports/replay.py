"""Session replay: one participant's session rebuilt from its recorded events.

The page embeds what ``replay_data`` returns as JSON and ``replay.js`` plays it: the screens in
the order the participant saw them, every click where it landed, pauses at their real length,
and answers and comments at the moment they were given. Nothing is recorded for the replay
itself: the events the player stores for the metrics are enough, which is why it costs
nothing extra per participant.

Times are milliseconds since the session started, by the participant's clock, as recorded.
"""

from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import Prefetch

from prototypes.authoring.models import Hotspot, Prototype, Screen
from prototypes.authoring.script_publish import load_flow, step_view
from prototypes.flowscript import ScriptError
from prototypes.sessions.models import Event, ParticipantSession, TaskAttempt
from prototypes.studies.models import Question, Task
from prototypes.studies.outcomes import attempt_outcome, first_click_points

# "Skip idle time" plays a pause longer than this as this long.
IDLE_CAP_MS = 2000
# A click and the screen it opens are recorded in the same millisecond; the replay holds the
# click this long on the old screen so that it can be seen at all.
CLICK_HOLD_MS = 400
SPEEDS = (1, 2, 4)


def replay_version(session):
    """The prototype version the session was shown (its concept's, in a concept A/B study)."""
    assignment = getattr(session, "concept_assignment", None)
    if assignment is not None:
        return assignment.concept.version
    return session.study.prototype_version


def replay_data(session):
    """Everything ``replay.js`` needs to play ``session``, as JSON-ready data: five queries,
    six with a first-click test."""
    study = session.study
    version = replay_version(session)
    tasks = list(study.tasks.order_by("position", "id"))
    events = list(
        Event.objects.filter(session=session)
        .select_related("hotspot")
        .order_by("t_ms", "id")
        .only(
            "id",
            "type",
            "t_ms",
            "task_id",
            "screen_id",
            "x",
            "y",
            "data",
            "hotspot__label",
        )
    )
    screen_ids = {event.screen_id for event in events if event.screen_id is not None}
    screens = Screen.objects.filter(pk__in=screen_ids).prefetch_related(
        Prefetch("hotspots", queryset=Hotspot.objects.order_by("position", "id"))
    )
    questions = {
        question.pk: question
        for question in Question.objects.filter(study=study).order_by("position", "id")
    }
    outcomes = dict(TaskAttempt.objects.filter(session=session).values_list("task_id", "outcome"))
    first_clicks = first_click_points([session.pk], tasks)
    task_numbers = {task.pk: number for number, task in enumerate(tasks, start=1)}
    return {
        "session": session.pk,
        "duration_ms": events[-1].t_ms if events else 0,
        "idle_cap_ms": IDLE_CAP_MS,
        "click_hold_ms": CLICK_HOLD_MS,
        "speeds": list(SPEEDS),
        "scripted": version.prototype.kind == Prototype.Kind.SCRIPTED,
        "screens": {str(screen.pk): _screen(screen) for screen in screens},
        "tasks": {
            str(task.pk): {
                "number": task_numbers[task.pk],
                "instruction": task.instruction,
                "kind": task.kind,
                "outcome": attempt_outcome(
                    task, outcomes[task.pk], first_clicks.get((session.pk, task.pk))
                ).label
                if outcomes.get(task.pk)
                else "",
                # A first-click test's target area: its click is judged against it.
                "target": [task.target_x, task.target_y, task.target_width, task.target_height]
                if task.kind == Task.Kind.FIRST_CLICK and task.has_target
                else None,
            }
            for task in tasks
        },
        "events": [_event(event, questions) for event in events],
    }


def _screen(screen):
    return {
        "name": screen.name,
        "image": screen.image.url if screen.image else None,
        "width": screen.width,
        "height": screen.height,
        "step": screen.step,
        "hotspots": [
            {
                "label": hotspot.label,
                "x": hotspot.x,
                "y": hotspot.y,
                "width": hotspot.width,
                "height": hotspot.height,
            }
            for hotspot in screen.hotspots.all()
        ],
    }


def _event(event, questions):
    data = {
        "id": event.pk,
        "type": event.type,
        "t": event.t_ms,
        "task": event.task_id,
        "screen": event.screen_id,
    }
    if event.x is not None and event.y is not None:
        data.update(x=event.x, y=event.y)
    if event.type == Event.Type.CLICK and event.hotspot is not None:
        data["label"] = event.hotspot.label
    details = event.data or {}
    if event.type in (Event.Type.COMMENT, Event.Type.TEXT):
        data["text"] = details.get("text", "")
    elif event.type == Event.Type.TASK_END:
        data["reason"] = details.get("reason", "")
    elif event.type == Event.Type.ANSWER:
        data["answer"] = _answer_text(details, questions)
    return data


def _answer_text(details, questions):
    """An answer as "question: value" a person can read."""
    if "seq" in details:
        return f"Ease of the task (SEQ, 1–7): {details['seq']}"
    question = questions.get(details.get("question"))
    value = details.get("value")
    if isinstance(value, list):
        value = ", ".join(str(item) for item in value)
    if question is None:
        return f"Answer: {value}"
    if question.kind == Question.Kind.SUS:
        return f"System Usability Scale: {value}"
    return f"{question.text or question.get_kind_display()}: {value}"


def scripted_steps(session):
    """Step views of a scripted prototype for ``scripted/step.html``; [] for paper ones or
    a script that cannot be read."""
    version = replay_version(session)
    if version.prototype.kind != Prototype.Kind.SCRIPTED:
        return []
    try:
        flow = load_flow(version.script)
    except ScriptError:
        return []
    return [step_view(step, prefix="replay") for step in flow.steps]


SESSIONS_PER_PAGE = 25


@dataclass(frozen=True)
class AttemptCell:
    task_id: int
    outcome: str  # an outcomes.AttemptOutcome value; "" while in progress
    label: str
    seconds: float | None


@dataclass(frozen=True)
class SessionRow:
    session: object
    cells: list  # AttemptCell or None per task of the study, in task order

    @property
    def excluded(self):
        return getattr(self.session, "exclusion", None)


def session_table(study, tasks, page_number):
    """A page of the study's sessions (newest first), each with its attempt at every task:
    three queries (four with a first-click test), whatever the page or the study's size."""
    sessions = (
        ParticipantSession.objects.filter(study=study)
        .exclude(state=ParticipantSession.State.SCREENED_OUT)
        .select_related("exclusion")
        .order_by("-started_at", "-id")
    )
    page = Paginator(sessions, SESSIONS_PER_PAGE).get_page(page_number)
    cells = {}
    session_ids = [session.pk for session in page]
    tasks_by_id = {task.pk: task for task in tasks}
    first_clicks = first_click_points(session_ids, tasks)
    rows = TaskAttempt.objects.filter(session__in=session_ids).values_list(
        "session_id", "task_id", "outcome", "started_ms", "ended_ms"
    )
    for session_id, task_id, outcome, started_ms, ended_ms in rows:
        seconds = (ended_ms - started_ms) / 1000 if ended_ms is not None else None
        shown = attempt_outcome(
            tasks_by_id[task_id], outcome, first_clicks.get((session_id, task_id))
        )
        cells[session_id, task_id] = AttemptCell(task_id, shown.value, shown.label, seconds)
    page.rows = [
        SessionRow(session, [cells.get((session.pk, task.pk)) for task in tasks])
        for session in page
    ]
    return page
