"""What a session start needs to know about a share link, read in one query.

A panel launch sends hundreds of participants through one link within a second, and each start
used to read the link and its study, then the screener, the segments, the concepts and the
consent texts in queries of their own, mostly to learn that the study has none of them. Here
one statement reads the link, the fields of its study a start uses, and whether the study has
a screener, concepts to compare and its current consent text recorded; the start then runs only
the queries its study needs (admission.start_participant). Nothing is kept between requests, so
a link revoked, a study paused, a question added or a quota reached applies to the very next
start, in every process. On PostgreSQL the statement is prepared once per connection
(prototypes.prepared): planning its joins cost five times its execution.
"""

from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connection
from django.utils import timezone

from prototypes import prepared
from prototypes.sessions.models import ParticipantSession
from prototypes.studies import participants
from prototypes.studies.models import ShareLink, Study

# The completed sessions of the link are counted only when it has a quota. The consent text is
# read only when no participant has agreed to the current version yet (record_consent keeps it
# then), so the usual start does not carry a long text it never uses.
ENTRANCE_QUERY = """
    SELECT link.id, link.study_id, link.quota, link.closes_at, link.revoked_at,
        study.state, study.revision, study.language, study.consent_version,
        study.prototype_version_id, study.created_at,
        CASE WHEN link.quota IS NULL THEN NULL ELSE (
            SELECT COUNT(*) FROM prototypes_participantsession done
            WHERE done.share_link_id = link.id AND done.state = %(completed)s
        ) END,
        CASE WHEN EXISTS (
            SELECT 1 FROM prototypes_consenttext consent
            WHERE consent.study_id = study.id AND consent.version = study.consent_version
        ) THEN NULL ELSE study.consent_text END,
        EXISTS (SELECT 1 FROM prototypes_studyconcept concept WHERE concept.study_id = study.id),
        EXISTS (
            SELECT 1 FROM prototypes_screenerquestion question WHERE question.study_id = study.id
        )
    FROM prototypes_sharelink link
    JOIN prototypes_study study ON study.id = link.study_id
    WHERE link.token = %(token)s
"""


@dataclass(frozen=True)
class Entrance:
    """A share link as a session start reads it.

    `link.study` holds the study's fields a start uses (the others load on first use, one query
    each: code that needs the whole study reads it itself).
    """

    link: ShareLink
    # Completed sessions through the link, counted only when it has a quota.
    completed_on_link: int | None
    consent_recorded: bool
    has_concepts: bool
    has_screener: bool

    @property
    def study(self):
        return self.link.study

    def closing_reason(self):
        """participants.closing_reason of the link, without counting its sessions again."""
        return participants.closing_reason(self.link, completed=self.completed_on_link)


def read_entrance(token):
    """The Entrance of the share link with this token, or None when there is none."""
    with prepared.cursor() as cursor:
        cursor.execute(
            ENTRANCE_QUERY,
            {"token": token, "completed": ParticipantSession.State.COMPLETED},
        )
        row = cursor.fetchone()
    if row is None:
        return None
    (
        link_id,
        study_id,
        quota,
        closes_at,
        revoked_at,
        state,
        revision,
        language,
        consent_version,
        prototype_version_id,
        created_at,
        completed_on_link,
        unrecorded_consent_text,
        has_concepts,
        has_screener,
    ) = row
    study_fields = {
        "id": study_id,
        "prototype_version_id": prototype_version_id,
        "consent_version": consent_version,
        "language": language,
        "state": state,
        "revision": revision,
        "created_at": _aware(created_at),
    }
    if unrecorded_consent_text is not None:
        study_fields["consent_text"] = unrecorded_consent_text
    link = _loaded(
        ShareLink,
        {
            "id": link_id,
            "study_id": study_id,
            "token": token,
            "quota": quota,
            "closes_at": _aware(closes_at),
            "revoked_at": _aware(revoked_at),
        },
    )
    link.study = _loaded(Study, study_fields)
    return Entrance(
        link=link,
        completed_on_link=completed_on_link,
        consent_recorded=unrecorded_consent_text is None,
        has_concepts=bool(has_concepts),
        has_screener=bool(has_screener),
    )


def _loaded(model, fields):
    """An instance of `model` as the ORM would load it with only these fields (the others
    deferred)."""
    names = [field.attname for field in model._meta.concrete_fields if field.attname in fields]
    return model.from_db(DEFAULT_DB_ALIAS, names, [fields[name] for name in names])


def _aware(value):
    """A datetime from a plain query: SQLite's come without their time zone, the database's."""
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value, connection.timezone)
    return value
