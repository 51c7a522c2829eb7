"""Storing the events a participant's browser sends, exactly once, and what follows from them.

`parse_batch` reads a request body; `ingest_events` validates the events against the study and
stores them in one transaction, with the task attempts, answers, comments and session state
derived from them. Both the events API and the demo data go through `ingest_events`.

Exactly once: every event carries a UUID made by the browser, which retries a batch until it
gets an answer. Events whose UUID is already stored are counted as duplicates and skipped, and
what is derived is recomputed from all the stored events it depends on, so a batch sent twice,
late or out of order gives the same rows as a single clean delivery. Batches of one session are
serialised by a row lock on the session. Attempts in progress are the one exception to "derived
at once": see _update_attempts.
"""

import json
import math
import re
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import NamedTuple

from django.db import connection, transaction
from django.utils import timezone

from prototypes import prepared
from prototypes.audio import transcripts
from prototypes.authoring.models import Hotspot, Screen
from prototypes.live import feed as live_feed
from prototypes.player import attempts
from prototypes.recruitment import admission
from prototypes.recruitment.models import Admission
from prototypes.sessions.models import Answer, Comment, Event, ParticipantSession, TaskAttempt
from prototypes.studies.ab import match_screens
from prototypes.studies.models import Question, Task
from prototypes.treetests import events as navigation_events
from prototypes.webhooks import services as webhooks

MAX_BATCH_EVENTS = 500
MAX_BATCH_BYTES = 1_000_000
# Sessions are resumable, so a participant may come back days later; a month is far enough.
MAX_T_MS = 31 * 24 * 3600 * 1000
MAX_TEXT_CHARS = 2000
MAX_OPEN_ANSWER_CHARS = 5000
MAX_DROPPED = 1_000_000_000
SEQ_RANGE = (1, 7)
SUS_ITEM_COUNT = 10
# A finished session still takes events for a while: the browser may retry a batch whose
# answer it never saw, or send what it queued before the session_end arrived.
LATE_EVENTS_GRACE = timedelta(hours=24)
# last_seen_at is refreshed at most this often, to spare a write on most batches.
LAST_SEEN_PRECISION = timedelta(seconds=30)
PLAN_CACHE_SECONDS = 30
PLAN_CACHE_SIZE = 1000

EVENT_TYPES = frozenset(Event.Type.values)
CANONICAL_UUID = re.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# The types as plain strings, for clean_event: comparing with an enum member costs several times
# more, once per type tried for every event.
CLICK, NAVIGATE, MISCLICK = (
    Event.Type.CLICK.value,
    Event.Type.NAVIGATE.value,
    Event.Type.MISCLICK.value,
)
TASK_START, TASK_END, GIVE_UP = (
    Event.Type.TASK_START.value,
    Event.Type.TASK_END.value,
    Event.Type.GIVE_UP.value,
)
TREE_STEP, CARD_PLACE = Event.Type.TREE_STEP.value, Event.Type.CARD_PLACE.value
COMMENT, TEXT, ANSWER = Event.Type.COMMENT.value, Event.Type.TEXT.value, Event.Type.ANSWER.value
# What a batch reads of its session and study (a SessionRow). A plain query: it runs on every
# batch, and the ORM takes several times longer to build it and its objects than PostgreSQL takes
# to answer.
SESSION_QUERY = """
    SELECT
        session.id, session.study_id, session.state, session.finished_at, session.last_seen_at,
        session.dropped_events, study.created_at AS study_created_at,
        study.revision AS study_revision, study.prototype_version_id AS study_version_id,
        COALESCE(concept.version_id, study.prototype_version_id) AS version_id
    FROM prototypes_participantsession session
    JOIN prototypes_study study ON study.id = session.study_id
    LEFT JOIN prototypes_conceptassignment assignment ON assignment.session_id = session.id
    LEFT JOIN prototypes_studyconcept concept ON concept.id = assignment.concept_id
    WHERE session.token = %s
"""
# The events whose data summarize_attempt reads.
STEP_DATA_TYPES = frozenset({TASK_END, ANSWER, TREE_STEP, CARD_PLACE})
EVENT_KEYS = frozenset({"id", "type", "t_ms", "task", "screen", "hotspot", "x", "y", "data"})
DATA_KEYS = {
    Event.Type.TASK_END: {"reason", "node"},
    Event.Type.TREE_STEP: {"node"},
    Event.Type.CARD_PLACE: {"card", "group"},
    Event.Type.ANSWER: {"question", "value", "seq"},
    Event.Type.COMMENT: {"text"},
    Event.Type.TEXT: {"text"},
}


_plans = {}


class BatchError(Exception):
    """A request the client must not retry as it is; `status` is the HTTP status to answer."""

    status = 400

    def __init__(self, message, status=None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class SessionNotFound(BatchError):
    status = 404


class SessionClosed(BatchError):
    status = 410


@dataclass(frozen=True)
class IngestResult:
    stored: int
    duplicates: int


@dataclass
class SessionRow:
    """What a batch reads of its session, and of its study for the plan."""

    id: int
    study_id: int
    state: str
    finished_at: datetime | None
    last_seen_at: datetime | None
    dropped_events: int
    study_created_at: datetime
    study_revision: int
    study_version_id: int
    # The version the participant is shown: their concept's in a concept A/B study.
    version_id: int


@dataclass(frozen=True)
class QuestionPlan:
    kind: str
    choices: tuple[str, ...]
    scale_min: int
    scale_max: int


@dataclass(frozen=True)
class StudyPlan:
    """What events of one study may refer to, loaded once per batch."""

    tasks: dict[int, attempts.TaskPlan]
    screens: frozenset[int]
    links: dict[int, attempts.Link]
    questions: dict[int, QuestionPlan]
    # For each task, the fewest clicks from each screen to one of its goals.
    distances: dict[int, dict[int, int]]


class CleanEvent(NamedTuple):
    # The UUID's canonical text (lowercase, hyphenated): strings are compared, hashed and sent
    # several times faster than UUID objects, and every use of it here wants the text.
    uuid: str
    type: str
    t_ms: int
    task: int | None
    screen: int | None
    hotspot: int | None
    x: float | None
    y: float | None
    data: dict


def parse_batch(body):
    """The events and dropped count of a request body (bytes), or BatchError."""
    if len(body) > MAX_BATCH_BYTES:
        raise BatchError(f"The batch is larger than {MAX_BATCH_BYTES} bytes.", status=413)
    try:
        # Strict UTF-8 (JSON on the web is UTF-8) refuses encoded lone surrogates.
        text = body.decode()
        payload = strict_json_loads(text)
    except (ValueError, RecursionError):
        raise BatchError("The body is not valid JSON.") from None
    if not isinstance(payload, dict):
        raise BatchError('The body must be a JSON object like {"events": [...]}.')
    unknown = set(payload) - {"events", "dropped"}
    if unknown:
        raise BatchError('Only "events" and "dropped" are allowed at the top level.')
    events = payload.get("events")
    if not isinstance(events, list):
        raise BatchError('"events" must be a list.')
    if len(events) > MAX_BATCH_EVENTS:
        raise BatchError(f"A batch holds at most {MAX_BATCH_EVENTS} events.", status=413)
    dropped = payload.get("dropped", 0)
    if dropped is None:
        dropped = 0
    if not _is_int(dropped) or not 0 <= dropped <= MAX_DROPPED:
        raise BatchError('"dropped" must be a whole number, 0 or more.')
    # Decoded JSON text holds a NUL character or a lone surrogate only if written as a \u
    # escape, which the player's JSON.stringify uses for little else: most bodies need no walk.
    if "\\u" in text:
        refuse_bad_strings(payload)
    return events, dropped


def ingest_events(session_token, events, dropped=0):
    """Validate and store a batch of raw event dicts for the session with this token.

    Raises SessionNotFound, SessionClosed or BatchError (nothing stored); returns how many
    events were new and how many were already stored.
    """
    with transaction.atomic():
        # Every batch locks its session, even one of plain clicks that derives nothing: a batch
        # that ends a task must see the clicks of a batch stored at the same time, and the clicks'
        # batch must see that the task has ended (see _update_attempts). The lock costs no round
        # trip and, next to the inserts, no measurable time.
        session = _lock_session(session_token)
        if session is None:
            raise SessionNotFound("No such session.")
        if not accepts_events(session):
            raise SessionClosed("This session is finished and takes no more events.")
        plan, cached = study_plan(session)
        try:
            batch = clean_batch(events, plan)
        except BatchError:
            if not cached:
                raise
            plan, _ = study_plan(session, fresh=True)
            batch = clean_batch(events, plan)
        new, read = store_events(session, batch)
        _update_attempts(session, plan, new, read)
        if any(event.type == Event.Type.ANSWER and "question" in event.data for event in new):
            _update_answers(session)
        comments = [event for event in new if event.type == Event.Type.COMMENT]
        if comments:
            _create_comments(session, comments)
        _update_session(session, new, dropped)
        if new:
            # Observers hear of the batch once it is stored, never before nor instead; a failing
            # live channel is logged (robust), never an ingestion error.
            transaction.on_commit(
                partial(live_feed.announce_batch, session.id, session.study_id, new), robust=True
            )
    return IngestResult(stored=len(new), duplicates=len(events) - len(new))


def _lock_session(session_token):
    """The session with this token, locked for the transaction, or None.

    SQLite has no row locks; its transactions here begin IMMEDIATE, which serialises them.
    """
    query = SESSION_QUERY
    if connection.features.has_select_for_update_of:
        query += " FOR UPDATE OF session"
    with prepared.cursor() as cursor:
        cursor.execute(query, [session_token])
        row = cursor.fetchone()
    if row is None:
        return None
    session = SessionRow(*row)
    session.finished_at = _aware(session.finished_at)
    session.last_seen_at = _aware(session.last_seen_at)
    return session


def _aware(value):
    """A datetime from a plain query: SQLite's come without their time zone, the database's."""
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value, connection.timezone)
    return value


@dataclass(frozen=True)
class ReadAlong:
    """What the statement storing a batch read of its session before the batch was stored, for
    _update_attempts: it saves that function's queries on most batches."""

    # The tasks whose attempt has ended; None when not read.
    ended_tasks: frozenset[int] | None
    # The steps of the session's stored events of these tasks (None: of every task).
    tasks: frozenset[int] | None
    steps: dict[int, list[attempts.Step]]

    def has_steps_of(self, task_ids):
        return self.tasks is None or (task_ids is not None and task_ids <= self.tasks)


def store_events(session, batch):
    """Store the batch's events whose UUID is not stored yet; returns them, and a ReadAlong or
    None."""
    if connection.vendor == "postgresql":
        return _insert_new_events_postgresql(session, batch)
    known = {
        str(key)
        for key in Event.objects.filter(uuid__in=list(batch))
        .order_by()
        .values_list("uuid", flat=True)
    }
    new = [event for key, event in batch.items() if key not in known]
    Event.objects.bulk_create(
        [
            Event(
                uuid=event.uuid,
                session_id=session.id,
                type=event.type,
                t_ms=event.t_ms,
                task_id=event.task,
                screen_id=event.screen,
                hotspot_id=event.hotspot,
                x=event.x,
                y=event.y,
                data=event.data,
            )
            for event in new
        ],
        ignore_conflicts=True,
    )
    return new, None


# One statement on PostgreSQL instead of a look-up of the known UUIDs and a bulk insert: the
# database skips the UUIDs it has and names the rows it inserted (Django's bulk_create with
# ignore_conflicts cannot say which). The events travel as one JSON parameter, which costs far
# less to send than eleven parameters per event.
#
# The same statement reads what _update_attempts will need (ReadAlong), a round trip costing both
# processes CPU time and, under load, a wait to be scheduled again: the tasks whose attempt has
# ended, and the stored steps of the tasks whose attempt the batch will have derived again. Its
# reads do not see the rows it inserts (a statement's parts share one snapshot), so the steps are
# those stored before the batch, to which the new events are added. The snapshot is taken after
# the session's lock, so it holds every batch of the session committed before.
INSERT_EVENTS_POSTGRESQL = f"""
    WITH inserted AS (
        INSERT INTO prototypes_event
            (uuid, session_id, type, t_ms, task_id, screen_id, hotspot_id, x, y, data, received_at)
        SELECT
            event.uuid, %(session)s, event.type, event.t_ms, event.task, event.screen,
            event.hotspot, event.x, event.y, event.data, %(now)s
        FROM jsonb_to_recordset(%(events)s::jsonb) AS event (
            uuid uuid, type text, t_ms bigint, task bigint, screen bigint, hotspot bigint,
            x double precision, y double precision, data jsonb
        )
        ON CONFLICT (uuid) DO NOTHING
        RETURNING uuid
    )
    SELECT 'new', uuid::text, NULL::text, NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint,
        NULL::jsonb
    FROM inserted
    UNION ALL
    SELECT 'ended', NULL, NULL, NULL, task_id, NULL, NULL, NULL
    FROM prototypes_taskattempt
    WHERE %(read_ended)s AND session_id = %(session)s AND ended_ms IS NOT NULL
    UNION ALL
    SELECT 'step', uuid::text, type, t_ms, task_id, screen_id, hotspot_id, data
    FROM prototypes_event
    WHERE %(read_steps)s AND session_id = %(session)s AND task_id IS NOT NULL
        AND type IN ({", ".join(f"'{kind}'" for kind in attempts.ATTEMPT_EVENT_TYPES)})
        AND (%(every_task)s OR task_id = ANY(%(tasks)s))
"""


def _insert_new_events_postgresql(session, batch):
    if not batch:
        return [], None
    # The UUIDs travel as text both ways (see CleanEvent).
    ids = list(batch)
    rows = json.dumps(
        [
            {
                "uuid": event_id,
                "type": event.type,
                "t_ms": event.t_ms,
                "task": event.task,
                "screen": event.screen,
                "hotspot": event.hotspot,
                "x": event.x,
                "y": event.y,
                "data": event.data,
            }
            for event_id, event in zip(ids, batch.values(), strict=True)
        ]
    )
    # What _update_attempts will want, judged from the whole batch (it decides on the new events
    # only, and reads what is missing here).
    touched = {
        event.task
        for event in batch.values()
        if event.task is not None and event.type in attempts.ATTEMPT_EVENT_TYPES
    }
    boundaries = {
        event.task
        for event in batch.values()
        if event.task is not None and event.type in attempts.BOUNDARY_TYPES
    }
    if any(event.type == Event.Type.SESSION_END for event in batch.values()):
        tasks = None
    elif session.state != ParticipantSession.State.ACTIVE:
        tasks = frozenset(touched)
    else:
        tasks = frozenset(boundaries)
    read_ended = session.state == ParticipantSession.State.ACTIVE and bool(touched - boundaries)
    params = {
        "session": session.id,
        "now": timezone.now(),
        "events": rows,
        "read_ended": read_ended,
        "read_steps": tasks is None or bool(tasks),
        "every_task": tasks is None,
        "tasks": sorted(tasks or ()),
    }
    inserted, ended, steps = set(), set(), {}
    with prepared.cursor() as cursor:
        cursor.execute(INSERT_EVENTS_POSTGRESQL, params)
        # All at once: row by row, Django's and psycopg's wrappers cost more than the rows.
        rows = cursor.fetchall()
    for kind, event_uuid, event_type, t_ms, task_id, screen_id, hotspot_id, data in rows:
        if kind == "new":
            inserted.add(event_uuid)
        elif kind == "ended":
            ended.add(task_id)
        else:
            steps.setdefault(task_id, []).append(
                _step(event_uuid, event_type, t_ms, screen_id, hotspot_id, data)
            )
    read = ReadAlong(ended_tasks=frozenset(ended) if read_ended else None, tasks=tasks, steps=steps)
    return [
        event for event_id, event in zip(ids, batch.values(), strict=True) if event_id in inserted
    ], read


def clean_batch(events, plan):
    """The batch's valid events by UUID (the first of any repeated UUID), or BatchError."""
    batch = {}
    for index, raw in enumerate(events):
        event = clean_event(raw, plan, index)
        batch.setdefault(event.uuid, event)
    return batch


def accepts_events(session):
    """Open sessions do; finished ones still do for a while, for batches sent late or again:
    completed ones, and those that completed over a quota (the participant did the work)."""
    State = ParticipantSession.State
    if session.state == State.ACTIVE:
        return True
    if session.finished_at is None or timezone.now() - session.finished_at >= LATE_EVENTS_GRACE:
        return False
    if session.state == State.COMPLETED:
        return True
    return (
        session.state == State.SCREENED_OUT
        and Admission.objects.filter(
            session_id=session.id, refusal=Admission.Refusal.OVER_QUOTA
        ).exists()
    )


def study_plan(session, fresh=False):
    """The plan of the session's study and whether it came from this process's short-lived
    cache.

    Every batch needs the plan; keeping it for a few seconds saves three queries a batch. The
    key holds what changes with the plan: the revision (raised by any change of tasks once
    participants have started) and the prototype version. A batch refused against a cached
    plan is checked again against a fresh one, so a stale plan can cost queries, never events.
    """
    # A primary key can come back after a rolled-back transaction (SQLite), a creation time
    # cannot.
    key = (
        session.study_id,
        session.study_created_at,
        session.study_revision,
        session.study_version_id,
        session.version_id,
    )
    now = time.monotonic()
    cached = _plans.get(key)
    if cached is not None and not fresh and now - cached[0] < PLAN_CACHE_SECONDS:
        return cached[1], True
    plan = load_plan(session.study_id, session.study_version_id, session.version_id)
    if len(_plans) >= PLAN_CACHE_SIZE:
        _plans.clear()
    _plans[key] = (now, plan)
    return plan, False


def load_plan(study_id, study_version_id, version_id=None):
    """What events of the study may refer to, in three queries.

    ``version_id`` is the version the participant is shown when it is not the study's own (a
    concept A/B study's other concepts): the tasks' screens are then their counterparts in it
    (see ``prototypes.studies.ab``), which costs one more query.
    """
    version_id = version_id or study_version_id
    tasks = {}
    rows = (
        Task.objects.filter(study_id=study_id)
        .order_by()
        .values_list("id", "start_screen_id", "expected_path", "goal_screens", "kind")
    )
    kinds = {}
    for task_id, start_screen_id, expected_path, goal_id, kind in rows:
        kinds[task_id] = kind
        task = tasks.setdefault(
            task_id,
            {
                "start_screen": start_screen_id,
                "goals": set(),
                "expected_path": tuple(step for step in expected_path or [] if _is_int(step)),
            },
        )
        if goal_id is not None:
            task["goals"].add(goal_id)
    screens = set()
    links = {}
    shown = {}
    rows = (
        Screen.objects.filter(version_id=version_id)
        .order_by()
        .values_list("id", "key", "name", "hotspots__id", "hotspots__action", "hotspots__target_id")
    )
    for screen_id, key, name, hotspot_id, action, target_id in rows:
        screens.add(screen_id)
        shown[screen_id] = (screen_id, key, name)
        if hotspot_id is not None:
            links[hotspot_id] = attempts.Link(
                screen=screen_id, target=target_id if action == Hotspot.Action.GO_TO else None
            )
    rows = (
        Question.objects.filter(study_id=study_id)
        .order_by()
        .values_list("id", "kind", "choices", "scale_min", "scale_max")
    )
    questions = {
        question_id: QuestionPlan(
            kind=kind,
            choices=tuple(choice_labels(choices)),
            scale_min=scale_min,
            scale_max=scale_max,
        )
        for question_id, kind, choices, scale_min, scale_max in rows
    }
    if version_id != study_version_id:
        tasks = _tasks_in_version(tasks, study_version_id, shown.values())
    task_plans = {
        task_id: attempts.TaskPlan(
            id=task_id,
            start_screen=task["start_screen"],
            goal_screens=frozenset(task["goals"]),
            expected_path=task["expected_path"],
        )
        for task_id, task in tasks.items()
    }
    task_plans = navigation_events.add_to_plans(task_plans, kinds, study_version_id)
    return StudyPlan(
        tasks=task_plans,
        screens=frozenset(screens),
        links=links,
        questions=questions,
        distances={
            task_id: attempts.distances_to_goal(links.values(), task.goal_screens)
            for task_id, task in task_plans.items()
        },
    )


def _tasks_in_version(tasks, study_version_id, shown):
    """The tasks (as load_plan gathers them) with each screen replaced by its counterpart in
    the version shown; an expected path with a step lacking one is dropped."""
    base = Screen.objects.filter(version_id=study_version_id).values_list("id", "key", "name")
    counterpart = match_screens(base, shown)
    translated = {}
    for task_id, task in tasks.items():
        path = tuple(counterpart.get(step) for step in task["expected_path"])
        translated[task_id] = {
            "start_screen": counterpart.get(task["start_screen"]),
            "goals": {counterpart[goal] for goal in task["goals"] if goal in counterpart},
            "expected_path": path if None not in path else (),
        }
    return translated


def choice_labels(choices):
    """The labels of a question's choices (stored as a list of strings)."""
    return [str(choice) for choice in choices or []]


def clean_event(raw, plan, index=0):
    """A validated event, or BatchError naming the event and what is wrong with it.

    It runs for every event of every batch, so the usual case is written for speed: plain
    strings rather than Event.Type's members, the optional fields checked inline, and a
    missing field looked for by name only once one is known to be missing.
    """

    def fail(message):
        raise BatchError(f"events[{index}]: {message}")

    if not isinstance(raw, dict):
        fail("must be an object.")
    if not raw.keys() <= EVENT_KEYS:
        fail(f"unknown field; allowed fields are {', '.join(sorted(EVENT_KEYS))}.")
    event_id = raw.get("id")
    try:
        if not isinstance(event_id, str) or len(event_id) > 45:
            raise ValueError
        # The player sends the canonical form; any other form Python reads is made canonical.
        event_uuid = event_id if CANONICAL_UUID.fullmatch(event_id) else str(uuid.UUID(event_id))
    except ValueError:
        fail('"id" must be a UUID string.')
    event_type = raw.get("type")
    if not isinstance(event_type, str) or event_type not in EVENT_TYPES:
        fail(f'"type" must be one of {", ".join(Event.Type.values)}.')
    t_ms = raw.get("t_ms")
    if type(t_ms) is not int or not 0 <= t_ms <= MAX_T_MS:
        fail(f'"t_ms" must be a whole number of milliseconds from 0 to {MAX_T_MS}.')

    task = raw.get("task")
    if task is not None and (type(task) is not int or task not in plan.tasks):
        fail('"task" must be the id of a task of this study.')
    screen = raw.get("screen")
    if screen is not None and (type(screen) is not int or screen not in plan.screens):
        fail('"screen" must be the id of a screen of this study.')
    hotspot = raw.get("hotspot")
    if hotspot is not None and (type(hotspot) is not int or hotspot not in plan.links):
        fail('"hotspot" must be the id of a hotspot of this study.')
    x = raw.get("x")
    if x is not None:
        x = _fraction(x, "x", fail)
    y = raw.get("y")
    if y is not None:
        y = _fraction(y, "y", fail)
    data = raw.get("data")
    if data is None:
        data = {}
    elif not isinstance(data, dict):
        fail('"data" must be an object.')
    elif data and not data.keys() <= DATA_KEYS.get(event_type, frozenset()):
        allowed = ", ".join(sorted(DATA_KEYS.get(event_type, ()))) or "nothing"
        fail(f'"data" of a {event_type} event may hold {allowed}.')

    def require(**fields):
        missing = [name for name, value in fields.items() if value is None]
        if missing:
            fail(f"a {event_type} event needs {', '.join(missing)}.")

    if event_type == CLICK:
        if screen is None or hotspot is None or x is None or y is None:
            require(screen=screen, hotspot=hotspot, x=x, y=y)
        if plan.links[hotspot].screen != screen:
            fail("the hotspot is not on that screen.")
    elif event_type == NAVIGATE:
        if screen is None:
            require(screen=screen)
    elif event_type == MISCLICK:
        if screen is None or x is None or y is None:
            require(screen=screen, x=x, y=y)
        if hotspot is not None:
            fail("a misclick has no hotspot.")
    elif event_type == TASK_START:
        # Tree tests and card sorts start on no screen.
        if task is None:
            require(task=task)
        if screen is None and plan.tasks[task].start_screen is not None:
            require(screen=screen)
    elif event_type == TASK_END:
        if task is None:
            require(task=task)
        if data.get("reason") not in attempts.END_REASONS:
            fail(f"data.reason must be one of {', '.join(attempts.END_REASONS)}.")
        data = navigation_events.clean_data(event_type, data, plan.tasks[task], fail)
    elif event_type in (TREE_STEP, CARD_PLACE):
        if task is None:
            require(task=task)
        data = navigation_events.clean_data(event_type, data, plan.tasks[task], fail)
    elif event_type == GIVE_UP:
        if task is None:
            require(task=task)
    elif event_type == COMMENT:
        if screen is None or x is None or y is None:
            require(screen=screen, x=x, y=y)
        data = {"text": _text(data.get("text"), MAX_TEXT_CHARS, fail, "data.text")}
    elif event_type == TEXT:
        data = {"text": _text(data.get("text"), MAX_TEXT_CHARS, fail, "data.text", blank=True)}
    elif event_type == ANSWER:
        data = _clean_answer(data, task, plan, fail)
    return CleanEvent(event_uuid, event_type, t_ms, task, screen, hotspot, x, y, data)


def _clean_answer(data, task, plan, fail):
    if "seq" in data:
        if task is None or set(data) != {"seq"}:
            fail("a SEQ answer has a task and only data.seq.")
        seq = data["seq"]
        if not _is_int(seq) or not SEQ_RANGE[0] <= seq <= SEQ_RANGE[1]:
            fail("data.seq must be a whole number from 1 to 7.")
        return {"seq": seq}
    question_id = data.get("question")
    if not _is_int(question_id) or question_id not in plan.questions:
        fail("data.question must be the id of a question of this study.")
    if "value" not in data:
        fail("an answer needs data.value.")
    if task is not None:
        fail("an answer to a study question has no task.")
    question = plan.questions[question_id]
    value = data["value"]
    kind = question.kind
    Kind = Question.Kind
    if kind == Kind.SUS:
        if not (
            isinstance(value, list)
            and len(value) == SUS_ITEM_COUNT
            and all(_is_int(item) and 1 <= item <= 5 for item in value)
        ):
            fail("a SUS answer is a list of 10 whole numbers from 1 to 5.")
    elif kind == Kind.OPEN:
        value = _text(value, MAX_OPEN_ANSWER_CHARS, fail, "data.value", blank=True)
    elif kind == Kind.SINGLE:
        if value not in question.choices:
            fail("data.value must be one of the question's choices.")
    elif kind == Kind.MULTIPLE:
        if not (
            isinstance(value, list)
            and all(isinstance(item, str) and item in question.choices for item in value)
            and len(set(value)) == len(value)
        ):
            fail("data.value must be a list of distinct choices of the question.")
    elif kind == Kind.RATING:
        if not _is_int(value) or not question.scale_min <= value <= question.scale_max:
            fail(
                f"data.value must be a whole number from {question.scale_min} "
                f"to {question.scale_max}."
            )
    else:
        fail("this question takes no answers.")
    return {"question": question_id, "value": value}


def _fraction(value, name, fail):
    # NaN and the infinities are outside the range too.
    if type(value) not in (int, float) or not 0 <= value <= 1:
        fail(f'"{name}" must be a number from 0 to 1 (a fraction of the screen).')
    return float(value)


def _text(value, limit, fail, name, blank=False):
    if not isinstance(value, str) or len(value) > limit or (not blank and not value.strip()):
        fail(f"{name} must be text of {'at most' if blank else '1 to'} {limit} characters.")
    return value


def _is_int(value):
    # Not isinstance: a boolean is an int to Python, never to the API.
    return type(value) is int


def strict_json_loads(body):
    """json.loads refusing NaN, Infinity and numbers too large for a float (which Python's
    parser would otherwise accept and turn into non-finite floats)."""
    return json.loads(body, parse_constant=_refuse_constant, parse_float=_finite_float)


def _refuse_constant(name):
    raise ValueError(f"{name} is not allowed")


def _finite_float(text):
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("numbers must be finite")
    return value


def refuse_bad_strings(payload):
    """PostgreSQL stores neither NUL characters nor lone surrogates; refuse them up front."""
    pending = [payload]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
        elif isinstance(value, str):
            if "\x00" in value:
                raise BatchError("Text must not contain NUL characters.")
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise BatchError("Text must be valid Unicode (no lone surrogates).") from None


def _update_attempts(session, plan, new, read=None):
    """Derive again, from all their stored events, the attempts that the new events change.

    Attempts in progress are left behind while only plain events arrive (clicks, misclicks,
    navigations, comments, typed text): summarising every event of a task on every batch would
    cost more with each batch of a long task. An attempt is derived again when
    - a boundary event of its task arrives (task_start, give_up, task_end, the SEQ answer),
    - any event of its task arrives once the attempt has ended (a batch sent late or out of
      order: the summary must be what a delivery in order would give),
    - the session ends (every attempt of the session), and on every batch afterwards (the
      attempts of a finished session are final: reports count them).
    So an ended attempt is always up to date, while one in progress may show fewer clicks than
    were stored until its task ends. The check for ended attempts runs under the session's lock,
    after this batch's events are stored: a batch ending the task at the same time either ran
    before it (and the check sees the end) or runs after it (and reads these events).

    `read` is what the statement storing the batch read along (PostgreSQL); what it lacks is
    queried here.
    """
    Type = Event.Type
    touched = {
        event.task
        for event in new
        if event.task is not None and event.type in attempts.ATTEMPT_EVENT_TYPES
    }
    session_ends = any(event.type == Type.SESSION_END for event in new)
    if session_ends:
        task_ids = None
    elif session.state != ParticipantSession.State.ACTIVE:
        task_ids = touched
    else:
        task_ids = {
            event.task
            for event in new
            if event.task is not None and event.type in attempts.BOUNDARY_TYPES
        }
        waiting = touched - task_ids
        if waiting:
            if read is not None and read.ended_tasks is not None:
                ended = read.ended_tasks
            else:
                ended = _ended_tasks(session)
            task_ids.update(waiting & ended)
    if task_ids is not None and not task_ids:
        return
    if read is not None and read.has_steps_of(task_ids):
        steps = {
            task_id: list(task_steps)
            for task_id, task_steps in read.steps.items()
            if task_ids is None or task_id in task_ids
        }
        # The new events, which the read did not see.
        for event in new:
            if (
                event.task is not None
                and event.type in attempts.ATTEMPT_EVENT_TYPES
                and (task_ids is None or event.task in task_ids)
            ):
                steps.setdefault(event.task, []).append(
                    _step(
                        event.uuid, event.type, event.t_ms, event.screen, event.hotspot, event.data
                    )
                )
    else:
        steps = _task_steps(session, task_ids)
    summaries = {
        task_id: attempts.summarize_attempt(
            plan.tasks[task_id], task_steps, plan.links, plan.distances[task_id]
        )
        for task_id, task_steps in steps.items()
    }
    if connection.vendor == "postgresql":
        _upsert_attempts_postgresql(session, summaries)
        return
    TaskAttempt.objects.bulk_create(
        [
            TaskAttempt(
                session_id=session.id,
                task_id=task_id,
                outcome=summary.outcome,
                started_ms=summary.started_ms,
                ended_ms=summary.ended_ms,
                clicks=summary.clicks,
                misclicks=summary.misclicks,
                path=summary.path,
                first_click_success=summary.first_click_success,
                seq=summary.seq,
            )
            for task_id, summary in summaries.items()
        ],
        update_conflicts=True,
        unique_fields=["session", "task"],
        update_fields=ATTEMPT_SUMMARY_FIELDS,
    )


ATTEMPT_SUMMARY_FIELDS = [
    "outcome",
    "started_ms",
    "ended_ms",
    "clicks",
    "misclicks",
    "path",
    "first_click_success",
    "seq",
]
# The attempts as one JSON parameter, like the events: building the same statement through
# bulk_create took longer than the database takes to run it, on about a third of live batches.
UPSERT_ATTEMPTS_POSTGRESQL = f"""
    INSERT INTO "prototypes_taskattempt" (session_id, task_id, {", ".join(ATTEMPT_SUMMARY_FIELDS)})
    SELECT %s, attempt.task_id, {", ".join(f"attempt.{name}" for name in ATTEMPT_SUMMARY_FIELDS)}
    FROM jsonb_to_recordset(%s::jsonb) AS attempt (
        task_id bigint, outcome text, started_ms bigint, ended_ms bigint, clicks integer,
        misclicks integer, path jsonb, first_click_success boolean, seq smallint
    )
    ON CONFLICT (session_id, task_id) DO UPDATE SET
        {", ".join(f"{name} = EXCLUDED.{name}" for name in ATTEMPT_SUMMARY_FIELDS)}
"""


def _upsert_attempts_postgresql(session, summaries):
    if not summaries:
        return
    rows = json.dumps(
        [
            {"task_id": task_id} | {name: getattr(summary, name) for name in ATTEMPT_SUMMARY_FIELDS}
            for task_id, summary in summaries.items()
        ]
    )
    with prepared.cursor() as cursor:
        cursor.execute(UPSERT_ATTEMPTS_POSTGRESQL, [session.id, rows])


def _task_steps(session, task_ids):
    """Task id -> the steps of the session's stored events of these tasks (None: every task).

    A plain query, as the ORM would spend more time turning each row's UUID and JSON data into
    objects than the database takes to find them, and only the data of task ends and answers
    is ever read (it stays text here on both backends).
    """
    types = attempts.ATTEMPT_EVENT_TYPES
    query = (
        "SELECT uuid, type, t_ms, task_id, screen_id, hotspot_id, data FROM prototypes_event"
        f" WHERE session_id = %s AND task_id IS NOT NULL AND type IN ({_placeholders(types)})"
    )
    params = [session.id, *types]
    if task_ids is not None:
        query += f" AND task_id IN ({_placeholders(task_ids)})"
        params.extend(task_ids)
    steps = {}
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        for event_uuid, event_type, t_ms, task_id, screen_id, hotspot_id, data in cursor:
            steps.setdefault(task_id, []).append(
                _step(event_uuid, event_type, t_ms, screen_id, hotspot_id, data)
            )
    return steps


def _step(event_uuid, event_type, t_ms, screen, hotspot, data):
    """The step of an event, stored (its data as JSON text) or new (its data a dict)."""
    if event_type not in STEP_DATA_TYPES:
        data = None
    elif isinstance(data, str):
        data = json.loads(data)
    return attempts.Step(
        # The canonical text on PostgreSQL (a new event's, one read as text, a UUID object made
        # text), the hex digits on SQLite (which reads every step stored): either orders the
        # steps of one millisecond the same way.
        uuid=str(event_uuid),
        type=event_type,
        t_ms=t_ms,
        screen=screen,
        hotspot=hotspot,
        data=data,
    )


def _placeholders(values):
    return ", ".join(["%s"] * len(values))


def _ended_tasks(session):
    """The tasks whose attempt in this session has ended (a plain query: it runs on most
    batches)."""
    with prepared.cursor() as cursor:
        cursor.execute(
            "SELECT task_id FROM prototypes_taskattempt"
            " WHERE session_id = %s AND ended_ms IS NOT NULL",
            [session.id],
        )
        return {task_id for (task_id,) in cursor.fetchall()}


def _update_answers(session):
    """Each question's answer is its latest answer event (by the participant's clock)."""
    latest = {}
    rows = (
        Event.objects.filter(session_id=session.id, type=Event.Type.ANSWER, task__isnull=True)
        .order_by()
        .values_list("t_ms", "uuid", "data")
    )
    for *_order, data in sorted(rows, key=lambda row: (row[0], str(row[1]))):
        latest[data["question"]] = data["value"]
    Answer.objects.bulk_create(
        [
            Answer(session_id=session.id, question_id=question_id, value=value)
            for question_id, value in latest.items()
        ],
        update_conflicts=True,
        unique_fields=["session", "question"],
        update_fields=["value"],
    )


def _create_comments(session, comments):
    stored = {
        str(key): pk
        for key, pk in Event.objects.filter(
            session_id=session.id, uuid__in=[event.uuid for event in comments]
        )
        .order_by()
        .values_list("uuid", "pk")
    }
    Comment.objects.bulk_create(
        [
            Comment(
                session_id=session.id,
                event_id=stored[event.uuid],
                task_id=event.task,
                screen_id=event.screen,
                x=event.x,
                y=event.y,
                text=event.data["text"],
            )
            for event in comments
            if event.uuid in stored
        ],
        ignore_conflicts=True,
    )


def _update_session(session, new, dropped):
    now = timezone.now()
    changes = {}
    if dropped > session.dropped_events:
        changes["dropped_events"] = dropped
    if session.state == ParticipantSession.State.ACTIVE and any(
        event.type == Event.Type.SESSION_END for event in new
    ):
        changes["state"] = ParticipantSession.State.COMPLETED
        changes["finished_at"] = now
    if session.last_seen_at is None or now - session.last_seen_at >= LAST_SEEN_PRECISION:
        changes["last_seen_at"] = now
    if changes:
        ParticipantSession.objects.filter(pk=session.id).update(**changes)
        for field, value in changes.items():
            setattr(session, field, value)
    if "finished_at" in changes:
        # Quotas are decided as each session completes (it may turn out to be over quota).
        admission.count_completion(ParticipantSession.objects.get(pk=session.id))
        webhooks.participant_finished(session.id, session.study_id, now)
        # Its think-aloud recording, if any, is transcribed once the session is over.
        transcripts.session_finished(session.id)
