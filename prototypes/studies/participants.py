"""Letting participants in: the share link a token names, whether it takes anyone new, and
starting a session.

Here, below recruitment and the player, because both start sessions: recruitment's admission
after the screener, the player's API on a link without one.
"""

import random

from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone

from prototypes import prepared
from prototypes.sessions.models import ParticipantSession
from prototypes.studies import ab
from prototypes.studies.models import ShareLink, Study
from prototypes.tokens import new_token

MAX_PARTICIPANT_ID_CHARS = 128

# A new session's row, written in one prepared statement: a panel launch starts hundreds at
# once, and the ORM's INSERT cost twice as much CPU time in the web process (0.8 ms against
# 0.4 ms) and half as much again in PostgreSQL, which planned it every time. Every column is
# named (tests/unit/test_player_start.py checks them against the model's fields).
SESSION_COLUMNS = (
    "study_id",
    "share_link_id",
    "token",
    "revision",
    "state",
    "language",
    "consent_version",
    "consented_at",
    "started_at",
    "finished_at",
    "last_seen_at",
    "external_participant_id",
    "user_agent",
    "is_simulated",
    "dropped_events",
)
INSERT_SESSION = (
    f"INSERT INTO prototypes_participantsession ({', '.join(SESSION_COLUMNS)}) "
    f"VALUES ({', '.join(['%s'] * len(SESSION_COLUMNS))}) RETURNING id"
)


def find_link(token):
    """The share link with this token, with its study and prototype; None if there is none."""
    return (
        ShareLink.objects.select_related("study__prototype_version__prototype")
        .filter(token=token)
        .first()
    )


def closing_reason(link, completed=None):
    """Why the link takes no new participants, as a short key, or None when it does.

    "revoked", "expired" (past the link's closing date), "full" (the link's quota of completed
    sessions is reached) or the study's state ("draft", "paused", "closed"). `completed` is the
    link's completed sessions when the caller has counted them already.
    """
    if link.revoked_at is not None:
        return "revoked"
    study = link.study
    if study.state != Study.State.LIVE:
        return study.state
    if link.closes_at is not None and link.closes_at <= timezone.now():
        return "expired"
    if link.quota is None:
        return None
    if completed is None:
        completed = link.sessions.filter(state=ParticipantSession.State.COMPLETED).count()
    if completed >= link.quota:
        return "full"
    return None


def start_session(
    study,
    *,
    link=None,
    participant_id="",
    user_agent="",
    simulated=False,
    admitted=True,
    concepts=True,
    rng=random,
):
    """A new session of the study, once the participant has consented to its current text.

    In a concept A/B study an admitted participant is assigned the concept they will see (ties
    drawn from ``rng``, which the demo seeds); one screened out is not, so that they do not
    count against a concept. ``concepts=False`` says the caller knows the study compares none
    (it saves the query that looks for them).
    """
    now = timezone.now()
    row = {
        "study_id": study.pk,
        "share_link_id": link.pk if link is not None else None,
        "token": new_token(),
        "revision": study.revision,
        "state": ParticipantSession.State.ACTIVE.value,
        "language": study.language,
        "consent_version": study.consent_version,
        "consented_at": now,
        "started_at": now,
        "finished_at": None,
        "last_seen_at": None,
        "external_participant_id": participant_id[:MAX_PARTICIPANT_ID_CHARS],
        "user_agent": user_agent[:300],
        "is_simulated": simulated,
        "dropped_events": 0,
    }
    with prepared.cursor() as cursor:
        cursor.execute(INSERT_SESSION, [row[column] for column in SESSION_COLUMNS])
        (row["id"],) = cursor.fetchone()
    names = [field.attname for field in ParticipantSession._meta.concrete_fields]
    session = ParticipantSession.from_db(DEFAULT_DB_ALIAS, names, [row[name] for name in names])
    session.study = study
    session.share_link = link
    if admitted and concepts:
        ab.assign_concept(session, rng=rng, new=True)
    return session
