"""Letting participants in: the share link a token names, whether it takes anyone new, and
starting a session.

Here, below recruitment and the player, because both start sessions: recruitment's admission
after the screener, the player's API on a link without one.
"""

import random

from django.utils import timezone

from prototypes.sessions.models import ParticipantSession
from prototypes.studies import ab
from prototypes.studies.models import ShareLink, Study

MAX_PARTICIPANT_ID_CHARS = 128


def find_link(token):
    """The share link with this token, with its study and prototype; None if there is none."""
    return (
        ShareLink.objects.select_related("study__prototype_version__prototype")
        .filter(token=token)
        .first()
    )


def closing_reason(link):
    """Why the link takes no new participants, as a short key, or None when it does.

    "revoked", "expired" (past the link's closing date), "full" (the link's quota of completed
    sessions is reached) or the study's state ("draft", "paused", "closed").
    """
    if link.revoked_at is not None:
        return "revoked"
    study = link.study
    if study.state != Study.State.LIVE:
        return study.state
    if link.closes_at is not None and link.closes_at <= timezone.now():
        return "expired"
    if (
        link.quota is not None
        and link.sessions.filter(state=ParticipantSession.State.COMPLETED).count() >= link.quota
    ):
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
    rng=random,
):
    """A new session of the study, once the participant has consented to its current text.

    In a concept A/B study an admitted participant is assigned the concept they will see (ties
    drawn from ``rng``, which the demo seeds); one screened out is not, so that they do not
    count against a concept.
    """
    session = ParticipantSession.objects.create(
        study=study,
        share_link=link,
        revision=study.revision,
        language=study.language,
        consent_version=study.consent_version,
        consented_at=timezone.now(),
        external_participant_id=participant_id[:MAX_PARTICIPANT_ID_CHARS],
        user_agent=user_agent[:300],
        is_simulated=simulated,
    )
    if admitted:
        ab.assign_concept(session, rng=rng)
    return session
