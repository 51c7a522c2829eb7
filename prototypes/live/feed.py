"""What the live channel says about participants' sessions, from the events API's own rows.

Every batch the events API stores is announced once it is committed (`announce_batch`, called
by prototypes/player/ingestion.py through transaction.on_commit): each new event goes to the
session's topic, and one line about the session to its study's topic. `session_catch_up`
replays the stored events after a Last-Event-ID in the same form, so an observer who reconnects
sees exactly what a live observer saw. Message ids are the events' UUIDs.
"""

import uuid

from prototypes.live import channel
from prototypes.sessions.models import Event

ACTIVITY = "activity"
SESSION = "session"


def session_topic(session_id):
    return f"session:{session_id}"


def study_topic(study_id):
    return f"study:{study_id}"


def event_message(uuid, type, t_ms, task, screen, hotspot, x, y, data):
    return {
        "event": ACTIVITY,
        "id": str(uuid),
        "type": type,
        "t_ms": t_ms,
        "task": task,
        "screen": screen,
        "hotspot": hotspot,
        "x": x,
        "y": y,
        "data": data,
    }


def announce_batch(session_id, study_id, events):
    """Publish a stored batch (CleanEvents, in the order stored); never raises."""
    if not events:
        return
    channel.publish_many(
        session_topic(session_id),
        [
            event_message(
                event.uuid,
                event.type,
                event.t_ms,
                event.task,
                event.screen,
                event.hotspot,
                event.x,
                event.y,
                event.data,
            )
            for event in events
        ],
    )
    last = max(events, key=lambda event: event.t_ms)
    channel.publish(
        study_topic(study_id),
        {
            "event": SESSION,
            "session": session_id,
            "type": last.type,
            "t_ms": last.t_ms,
            "task": last.task,
            "screen": next(
                (event.screen for event in reversed(events) if event.screen is not None), None
            ),
            "ended": any(event.type == Event.Type.SESSION_END for event in events),
        },
    )


def session_catch_up(session_id, last_event_id):
    """The messages of the session's stored events after the one with this UUID (all of them
    when it is None or unknown), in the order they were stored."""
    events = Event.objects.filter(session_id=session_id).order_by("pk")
    after = _event_pk(session_id, last_event_id)
    if after is not None:
        events = events.filter(pk__gt=after)
    return [
        event_message(*row)
        for row in events.values_list(
            "uuid", "type", "t_ms", "task_id", "screen_id", "hotspot_id", "x", "y", "data"
        )
    ]


def _event_pk(session_id, event_uuid):
    try:
        event_uuid = uuid.UUID(event_uuid or "")
    except ValueError:
        return None
    return (
        Event.objects.filter(session_id=session_id, uuid=event_uuid)
        .values_list("pk", flat=True)
        .first()
    )
