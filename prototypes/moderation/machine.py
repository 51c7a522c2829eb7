"""The moderated session's states and what the facilitator may do in each, as pure functions.

    scheduled ──join──▶ live ──pause──▶ paused ──resume──▶ live
        │                 │                │
        └──────end────────┴──────end───────┴──▶ ended (final)

`join` and `leave` only say whether a facilitator is there; they change the state from
scheduled to live the first time. `next_task` needs a live session, and nothing but `join`
and `leave` is taken once it has ended.
"""

SCHEDULED, LIVE, PAUSED, ENDED = "scheduled", "live", "paused", "ended"

TRANSITIONS = {
    "join": {SCHEDULED: LIVE, LIVE: LIVE, PAUSED: PAUSED, ENDED: ENDED},
    "leave": {SCHEDULED: SCHEDULED, LIVE: LIVE, PAUSED: PAUSED, ENDED: ENDED},
    "next_task": {LIVE: LIVE},
    "pause": {LIVE: PAUSED},
    "resume": {PAUSED: LIVE},
    "end": {SCHEDULED: ENDED, LIVE: ENDED, PAUSED: ENDED},
}

REFUSALS = {
    "next_task": "The participant can be moved on only while the session is live.",
    "pause": "Only a live session can be paused.",
    "resume": "Only a paused session can be resumed.",
    "end": "This session has already ended.",
}


class NotAllowed(ValueError):
    """An action the session's state does not take, with the reason a facilitator is told."""


def next_state(state, action):
    """The state `action` leads to from `state`; NotAllowed if it does not apply there."""
    if action not in TRANSITIONS:
        raise NotAllowed(f"Unknown action {action!r}.")
    try:
        return TRANSITIONS[action][state]
    except KeyError:
        raise NotAllowed(REFUSALS[action]) from None


def facilitator_present(seen_at, now, window_seconds):
    """Whether a facilitator's console said it was open within the last `window_seconds`."""
    return seen_at is not None and (now - seen_at).total_seconds() <= window_seconds


# --- Wizard of Oz turns ------------------------------------------------------------------------

PENDING, ANSWERED, TIMED_OUT = "pending", "answered", "timed_out"


def turn_due(state, deadline, now):
    """Whether a turn waiting for the wizard has run out of time and falls back to the script."""
    return state == PENDING and now >= deadline


def wizard_answer(state, deadline, now, target, reply, steps):
    """Check a facilitator's answer to a turn: a step to go to or a reply to type, not both.

    Returns (target, reply) cleaned; NotAllowed when the turn is no longer waiting (answered,
    or past its deadline, when the fallback has answered or is about to) or the answer is
    empty or names an unknown step.
    """
    if state != PENDING:
        raise NotAllowed("This turn has already been answered.")
    if now >= deadline:
        raise NotAllowed("Too late: the time ran out and the script's fallback answered.")
    target = (target or "").strip()
    reply = (reply or "").strip()
    if bool(target) == bool(reply):
        raise NotAllowed("Pick the next step or type the bot's reply (one of the two).")
    if target and target not in steps:
        raise NotAllowed(f"There is no step named {target!r}.")
    return target, reply
