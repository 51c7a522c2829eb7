"""Scheduling moderated sessions, the facilitator's commands and notes, and Wizard of Oz turns.

Every change is stored before the participant hears of it: a command or a wizard's answer is a
row first, and the participant's player reads the rows after the last one it saw, whether the
push reached it or not.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from prototypes.authoring.script_publish import load_flow, route_typed_answer
from prototypes.live import channel
from prototypes.live.feed import session_topic
from prototypes.live.observe import parse_tags
from prototypes.moderation import machine
from prototypes.moderation.models import Command, ModeratedSession, Note, WizardTurn
from prototypes.player.services import shown_version
from prototypes.sessions.models import ParticipantSession
from prototypes.studies.models import ShareLink

# A console polls every few seconds; a facilitator is "here" for the participant while their
# console has asked within this window.
PRESENCE_SECONDS = 15


def participant_topic(moderated_id):
    """Where the participant's player hears the facilitator's commands."""
    return f"moderated:{moderated_id}"


def command_message(command):
    # The command's id is the SSE id: a player that reconnects resumes after the last it saw.
    return {"event": "command", **command.as_message()}


def announce(moderated, stored=None):
    """Once committed: the command to the participant's player, and a nudge to the consoles
    following the participant's session (without an id: they catch up from their own feed)."""
    if stored is not None:
        channel.publish_on_commit(participant_topic(moderated.pk), command_message(stored))
    if moderated.participant_session_id is not None:
        channel.publish_on_commit(
            session_topic(moderated.participant_session_id),
            {"event": "moderation", "state": moderated.state},
        )


def wizard_timeout():
    return timedelta(seconds=settings.WIZARD_TIMEOUT_SECONDS)


@transaction.atomic
def schedule(study, participant_name, scheduled_at, user):
    """A moderated session for one participant, with the share link of its personal link."""
    link = ShareLink.objects.create(
        study=study,
        name=f"Moderated: {participant_name}"[: ShareLink._meta.get_field("name").max_length],
        # One participant: the link closes once their session is complete.
        quota=1,
    )
    return ModeratedSession.objects.create(
        study=study,
        share_link=link,
        participant_name=participant_name,
        scheduled_at=scheduled_at,
        created_by=user,
    )


def elapsed_ms(moderated, now=None):
    """Milliseconds since the participant's session started, or None before it did."""
    session = moderated.participant_session
    if session is None:
        return None
    return max(0, int(((now or timezone.now()) - session.started_at).total_seconds() * 1000))


def is_facilitated(moderated, now=None):
    return machine.facilitator_present(
        moderated.facilitator_seen_at, now or timezone.now(), PRESENCE_SECONDS
    )


@transaction.atomic
def command(moderated, action, user):
    """Apply the facilitator's `action` to the session and store it for the participant's
    player; machine.NotAllowed when the session's state does not take it."""
    locked = ModeratedSession.objects.select_for_update().get(pk=moderated.pk)
    now = timezone.now()
    locked.state = machine.next_state(locked.state, action)
    fields = ["state"]
    if action == "join":
        locked.facilitator_seen_at = now
        fields.append("facilitator_seen_at")
    elif action == "leave":
        locked.facilitator_seen_at = None
        fields.append("facilitator_seen_at")
    elif action == "end":
        locked.ended_at = now
        fields.append("ended_at")
        if locked.participant_session_id is None:
            # Ended before the participant came: the session is cancelled, its link stops.
            ShareLink.objects.filter(pk=locked.share_link_id).update(revoked_at=now)
    locked.save(update_fields=fields)
    stored = Command.objects.create(moderated=locked, kind=action, created_by=user)
    moderated.refresh_from_db()
    announce(moderated, stored)
    return stored


def keep_present(moderated):
    """A facilitator's console is still open (it says so every few seconds)."""
    ModeratedSession.objects.filter(pk=moderated.pk).update(facilitator_seen_at=timezone.now())


def attach(moderated, session_token):
    """Follow the participant's session started through the personal link; False if the token
    names no session of this link."""
    session = ParticipantSession.objects.filter(
        token=session_token, share_link=moderated.share_link_id
    ).first()
    if session is None:
        return False
    if moderated.participant_session_id != session.pk:
        moderated.participant_session = session
        moderated.save(update_fields=["participant_session"])
    return True


def commands_after(moderated, after_id):
    return [command.as_message() for command in moderated.commands.filter(id__gt=after_id)[:200]]


def command_catch_up(moderated, last_event_id):
    """The stored commands after the SSE id a reconnecting player sends (all on a first
    connection), as the stream sends them."""
    try:
        after = int(last_event_id or 0)
    except ValueError:
        after = 0
    return [command_message(command) for command in moderated.commands.filter(id__gt=after)[:200]]


def add_note(moderated, user, text, tags=""):
    """Store a facilitator's note, its tags read as observers' are."""
    return Note.objects.create(
        moderated=moderated,
        author=user,
        text=text,
        tags=parse_tags(tags),
        t_ms=elapsed_ms(moderated),
    )


def quote(note, quoted):
    note.quoted = quoted
    note.save(update_fields=["quoted"])


def quoted_notes(study):
    """The study's quoted facilitator notes, by session and moment, for its summary (one
    query). A note whose participant session is gone, or never began, has no session to name."""
    return (
        Note.objects.filter(
            moderated__study=study, quoted=True, moderated__participant_session__isnull=False
        )
        .select_related("moderated")
        .order_by("moderated__participant_session_id", "t_ms", "id")
    )


# --- Wizard of Oz ------------------------------------------------------------------------------


def flow_of(moderated):
    """The parsed flow the participant plays (ScriptError if unreadable)."""
    return load_flow(shown_version(moderated.participant_session).script)


def route(moderated, step_name, text, choice=None):
    """Where an answer on `step_name` goes: {"target": name or None}, or, on a [wizard] step
    of a live session with a facilitator there, a new turn the facilitator answers.

    `choice` is the index of a pressed choice, else the answer was typed. KeyError for an
    unknown step, IndexError for an unknown choice, ScriptError for an unreadable script.
    """
    session = moderated.participant_session
    version = shown_version(session)
    step = load_flow(version.script).step(step_name)
    if choice is None:
        script_target = route_typed_answer(version, step_name, text)
    else:
        script_target = step.choices[choice].target
        text = step.choices[choice].label
    if not (
        step.wizard and moderated.state == ModeratedSession.State.LIVE and is_facilitated(moderated)
    ):
        return {"target": script_target}
    turn = WizardTurn.objects.create(
        moderated=moderated,
        step=step_name,
        text=text,
        script_target=script_target or "",
        deadline=timezone.now() + wizard_timeout(),
        t_ms=elapsed_ms(moderated),
    )
    announce(moderated)
    return {"turn": turn.outcome(), "wait_ms": int(wizard_timeout().total_seconds() * 1000)}


def settle(turn, now=None):
    """The turn as it stands, timed out to the step's fallback once its deadline has passed.

    Nothing runs at the deadline: whoever looks first (the participant's player waiting for
    the answer, the facilitator's console) settles it, and the conditional update lets only one
    of them do so.
    """
    now = now or timezone.now()
    if machine.turn_due(turn.state, turn.deadline, now):
        try:
            fallback = flow_of(turn.moderated).step(turn.step).fallback or ""
        except (KeyError, ValueError):
            fallback = ""
        WizardTurn.objects.filter(pk=turn.pk, state=WizardTurn.State.PENDING).update(
            state=WizardTurn.State.TIMED_OUT, target=fallback, resolved_at=now
        )
        turn.refresh_from_db()
    return turn


@transaction.atomic
def answer(turn, user, target="", reply=""):
    """The facilitator's answer to a waiting turn: the next step, or the bot's reply typed.

    machine.NotAllowed when the turn is no longer waiting or the answer is not one of the two.
    """
    locked = WizardTurn.objects.select_for_update().select_related("moderated").get(pk=turn.pk)
    steps = {step.name for step in flow_of(locked.moderated).steps}
    target, reply = machine.wizard_answer(
        locked.state, locked.deadline, timezone.now(), target, reply, steps
    )
    locked.state = WizardTurn.State.ANSWERED
    locked.target, locked.reply = target, reply
    locked.answered_by = user
    locked.resolved_at = timezone.now()
    locked.save(update_fields=["state", "target", "reply", "answered_by", "resolved_at"])
    stored = Command.objects.create(
        moderated=locked.moderated,
        kind=Command.Kind.WIZARD,
        data={"turn": locked.outcome()},
        created_by=user,
    )
    announce(locked.moderated, stored)
    return locked


def suggestions(turn, flow):
    """What the facilitator is offered for a turn: the step the script would pick first, then
    the step's other ways on, each with what its bot says first."""
    step = flow.step(turn.step)
    names = [turn.script_target] if turn.script_target else []
    for target, _line in step.targets:
        if target not in names:
            names.append(target)
    offered = []
    for name in names:
        try:
            target = flow.step(name)
        except KeyError:
            continue
        first_words = next((block.text for block in target.blocks if hasattr(block, "text")), "")
        offered.append(
            {
                "step": name,
                "title": target.title or name,
                "says": first_words,
                "script": name == turn.script_target,
            }
        )
    return offered
