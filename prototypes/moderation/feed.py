"""What the facilitator's console shows of the participant, read from the recorded events.

The console never depends on a live connection to the participant: it reads the same rows the
events API stored, after the last event id it has, so a console that reloads or reconnects
catches up from the database.
"""

from prototypes.flowscript import ScriptError
from prototypes.moderation import services
from prototypes.moderation.models import WizardTurn
from prototypes.sessions.models import Event

MAX_EVENTS = 200


def feed(moderated, after, now):
    session = moderated.participant_session
    body = {
        "state": moderated.state,
        "present": services.is_facilitated(moderated, now),
        "participant": None,
        "events": [],
        "last": after,
        "screen": None,
        "turn": None,
        "turns": [],
    }
    if session is None:
        return body
    body["participant"] = {"state": session.state, "label": session.get_state_display()}
    events = list(
        Event.objects.filter(session=session, id__gt=after)
        .select_related("screen", "hotspot", "task")
        .order_by("id")[:MAX_EVENTS]
    )
    body["events"] = [activity(event) for event in events]
    if events:
        body["last"] = events[-1].pk
    shown = (
        Event.objects.filter(session=session, screen__isnull=False)
        .exclude(type__in=[Event.Type.CLICK, Event.Type.MISCLICK, Event.Type.COMMENT])
        .select_related("screen")
        .order_by("-t_ms", "-id")
        .first()
    )
    if shown is not None:
        screen = shown.screen
        body["screen"] = {
            "id": screen.pk,
            "name": screen.name,
            "step": screen.step,
            "image": screen.image.url if screen.image else None,
        }
    turns = list(moderated.turns.order_by("-id")[:10])
    for turn in turns:
        if turn.state == WizardTurn.State.PENDING:
            services.settle(turn, now)
    pending = next((turn for turn in turns if turn.state == WizardTurn.State.PENDING), None)
    if pending is not None:
        try:
            offered = services.suggestions(pending, services.flow_of(moderated))
        except (KeyError, ScriptError):
            offered = []
        body["turn"] = {
            **pending.outcome(),
            "step": pending.step,
            "text": pending.text,
            "left_ms": max(0, int((pending.deadline - now).total_seconds() * 1000)),
            "suggestions": offered,
        }
    body["turns"] = [turn_line(turn) for turn in reversed(turns) if turn is not pending]
    return body


def turn_line(turn):
    if turn.state == WizardTurn.State.ANSWERED:
        answer = f"wizard: “{turn.reply}”" if turn.reply else f"wizard chose {turn.target}"
    else:
        answer = f"timed out, fallback {turn.target or '(none: stayed)'}"
    return {"id": turn.pk, "text": f"“{turn.text}” on {turn.step} → {answer}"}


def activity(event):
    """One line of the console's activity list."""
    data = event.data or {}
    screen = event.screen.name if event.screen else ""
    if event.type == Event.Type.CLICK:
        label = event.hotspot.label if event.hotspot else "a hotspot"
        text = f"Clicked “{label}” on {screen}"
    elif event.type == Event.Type.MISCLICK:
        text = f"Misclick on {screen}"
    elif event.type == Event.Type.NAVIGATE:
        text = f"Now on {screen}"
    elif event.type == Event.Type.TEXT:
        text = f"Typed “{data.get('text', '')}” on {screen}"
    elif event.type == Event.Type.TASK_START:
        text = f"Started the task: {event.task.instruction if event.task else ''}"
    elif event.type == Event.Type.TASK_END:
        text = f"Ended the task ({data.get('reason', '')})"
    elif event.type == Event.Type.COMMENT:
        text = f"Commented: “{data.get('text', '')}”"
    else:
        text = event.get_type_display()
    item = {"id": event.pk, "type": event.type, "t": event.t_ms, "text": text}
    if event.x is not None and event.y is not None:
        item.update(x=event.x, y=event.y, screen=event.screen_id)
    return item
