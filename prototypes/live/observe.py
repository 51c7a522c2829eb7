"""Watching participants' sessions as they happen: the study's setting, observers' notes and
the invite links of observers outside the workspace.

Participants are told: allowing observation adds a notice to the study's consent text (a new
consent version once participants have agreed to the old one), and only the sessions whose
participant agreed to a text with the notice can be watched. Turning it off removes the notice.

Observers' notes go to the session's observer topic (feed.session_topic), which only observer
streams read: a participant never sees them. They appear in the replay and, once quoted, in
the study's summary.
"""

import re

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from prototypes.live import channel, feed
from prototypes.live.models import Observation, ObserverInvite, ObserverNote
from prototypes.sessions.models import Event, ParticipantSession
from prototypes.studies.language import translated

OBSERVATION_NOTICE = gettext_noop(
    "Members of the research team may watch your session live as it happens: the screens you "
    "see, where you click, and what you type or answer. There is no video or sound."
)
NOTE = "note"
MAX_NOTE_CHARS = 2000
MAX_TAGS = 8
MAX_TAG_CHARS = 30
# The note's moment is sent by the observer's page; past a month it is not a session's.
MAX_T_MS = 31 * 24 * 3600 * 1000
SESSIONS_SHOWN = 50
TAG = re.compile(r"[^\W_][\w-]*", re.UNICODE)


class NoteError(Exception):
    pass


def observation_of(study):
    return Observation.objects.filter(study=study).first()


def is_allowed(study):
    return Observation.objects.filter(study=study, allowed=True).exists()


def notice(study):
    return translated(OBSERVATION_NOTICE, study.language)


def allow(study, allowed):
    """Turn live observation on or off, telling participants in the consent text."""
    with transaction.atomic():
        study = type(study).objects.select_for_update().get(pk=study.pk)
        text = _without_notice(study.consent_text, study)
        if allowed:
            text = f"{text}\n\n{notice(study)}" if text else notice(study)
        if text != study.consent_text:
            study.consent_text = text
            # Participants agreed to the previous text: results keep which one each saw.
            if study.sessions.exists():
                study.consent_version += 1
            study.save(update_fields=["consent_text", "consent_version"])
        observation, _ = Observation.objects.get_or_create(study=study)
        if allowed and not observation.allowed:
            observation.since_consent_version = study.consent_version
        observation.allowed = allowed
        observation.save()
    return observation


def _without_notice(text, study):
    for language_notice in {notice(study), OBSERVATION_NOTICE}:
        text = text.replace(language_notice, "")
    return text.strip()


def observable_sessions(study, observation=None):
    """The sessions observers may watch, most recent first (ongoing ones on top)."""
    observation = observation or observation_of(study)
    if observation is None or not observation.allowed:
        return ParticipantSession.objects.none()
    return (
        ParticipantSession.objects.filter(
            study=study, consent_version__gte=observation.since_consent_version
        )
        .exclude(state=ParticipantSession.State.SCREENED_OUT)
        .order_by("-started_at", "-id")
    )


def observable_session(study, session_pk):
    return observable_sessions(study).filter(pk=session_pk).first()


def observable_filter(study):
    """A channel `keep` for the study's topic: only lines about sessions observers may watch
    (each session looked up once per stream)."""
    known = {}

    def keep(message):
        session_id = message.get("session")
        if session_id not in known:
            known[session_id] = observable_session(study, session_id) is not None
        return known[session_id]

    return keep


def parse_tags(text):
    tags = []
    for tag in TAG.findall(text.casefold()):
        tag = tag[:MAX_TAG_CHARS]
        if tag not in tags:
            tags.append(tag)
    return tags[:MAX_TAGS]


def add_note(session, text, tags="", t_ms=None, author=None, invite=None):
    """Store an observer's note and announce it to the session's observers once committed."""
    text = (text or "").strip()
    if not text:
        raise NoteError("Write the note first.")
    if len(text) > MAX_NOTE_CHARS:
        raise NoteError(f"A note holds at most {MAX_NOTE_CHARS} characters.")
    if "\x00" in text or "\x00" in tags:
        raise NoteError("A note must not contain NUL characters.")
    if t_ms is None or not 0 <= t_ms <= MAX_T_MS:
        t_ms = last_event_ms(session)
    with transaction.atomic():
        note = ObserverNote.objects.create(
            session=session,
            t_ms=t_ms,
            text=text,
            tags=parse_tags(tags),
            author=author,
            invite=invite,
            author_name=invite.label if invite is not None else author.email,
        )
        channel.publish_on_commit(feed.session_topic(session.pk), note_message(note))
    return note


def last_event_ms(session):
    return (
        Event.objects.filter(session=session).order_by("-t_ms").values_list("t_ms", flat=True)
    ).first() or 0


def note_message(note):
    # No "id": a stream resumes from events' ids only; notes are all replayed, and the page
    # keeps each note once.
    return {
        "event": NOTE,
        "note": note.pk,
        "t_ms": note.t_ms,
        "text": note.text,
        "tags": note.tags,
        "author": note.author_name,
        "quoted": note.quoted,
    }


def session_catch_up(session_id):
    """The catch-up of an observer stream: the stored events after the last one seen, then
    every note of the session."""

    def catch_up(last_event_id):
        notes = ObserverNote.objects.filter(session_id=session_id).order_by("t_ms", "id")
        return feed.session_catch_up(session_id, last_event_id) + [
            note_message(note) for note in notes
        ]

    return catch_up


def quote(note, quoted):
    note.quoted = quoted
    note.save(update_fields=["quoted"])


def quoted_notes(study):
    return (
        ObserverNote.objects.filter(session__study=study, quoted=True)
        .select_related("session")
        .order_by("session_id", "t_ms", "id")
    )


def observer_notes(session):
    return list(ObserverNote.objects.filter(session=session).order_by("t_ms", "id"))


def with_notes(replay, session):
    """A replay (reports/replay.py's data) with the session's observer notes among its events,
    each at its moment: the replay's log shows them, the stage ignores them."""
    notes = [
        {
            "id": f"note-{note.pk}",
            "type": NOTE,
            "t": note.t_ms,
            "task": None,
            "screen": None,
            "text": note.text,
            "tags": note.tags,
            "author": note.author_name,
        }
        for note in observer_notes(session)
    ]
    if notes:
        # sorted() is stable: at the same moment, the participant's events come first.
        replay["events"] = sorted(replay["events"] + notes, key=lambda event: event["t"])
    return replay


def active_invite(token):
    return (
        ObserverInvite.objects.filter(token=token, revoked_at__isnull=True)
        .select_related("study")
        .first()
    )


def revoke_invite(invite):
    invite.revoked_at = timezone.now()
    invite.save(update_fields=["revoked_at"])
