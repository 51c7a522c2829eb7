"""Everything held about one participant: exporting it, erasing it, and purging it when it expires.

A participant is found by their email (a panel contact, with the sessions their invitations
started) or by the id an external panel gave them (sessions whose link carried `?pid=`).

Erasing removes the personal data and keeps the anonymous results, so a study's verdict does
not change when someone leaves:

- removed: the contact (email, attributes, unsubscribe link), the panel id and browser (user
  agent) of their sessions, what they typed (answers to open questions, typed answers in
  scripted flows, comments), their recorded voice (think-aloud audio, rows and files), their
  screener answers, and the personal link of their invitations;
- kept: task attempts, clicks and screens seen, answers picked from choices or scales, the
  consent version and time, the segment they were counted in, and each invitation's status
  (anonymous, for the recruitment funnel);
- if the contact had unsubscribed, a keyed digest of their address is kept so that the address
  is never emailed again if it is imported anew (it cannot be read back).

With a retention period set for the workspace, `purge_expired` (run daily by Celery beat) does
the same to sessions started, and contacts last invited or added, longer ago than that, and
deletes the evidence inbox's tickets and reviews dated before then (prototypes/friction).
"""

from datetime import timedelta

from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone

from prototypes.audio.storage import erase_audio
from prototypes.authoring.models import Screen
from prototypes.friction import services as evidence
from prototypes.recruitment.models import (
    Admission,
    ConsentText,
    Contact,
    ContactImport,
    OptOut,
    PanelSettings,
    ScreenerQuestion,
    StudyInvitation,
)
from prototypes.recruitment.panel import email_digest
from prototypes.sessions.models import Answer, Comment, Event, ParticipantSession
from prototypes.studies.models import Question
from prototypes.studies.outcomes import attempt_outcome, first_click_points
from prototypes.tokens import new_token

TEXT_EVENT_TYPES = (Event.Type.COMMENT, Event.Type.TEXT)
# Checked CSV files waiting for a go-ahead hold personal data too; nobody waits this long.
IMPORT_LIFETIME = timedelta(days=1)
BATCH = 500


def _iso(moment):
    return moment.isoformat() if moment else None


def sessions_of_contact(contact):
    return ParticipantSession.objects.filter(invitation__contact=contact)


def sessions_of_participant(workspace, participant_id):
    return ParticipantSession.objects.filter(
        study__workspace=workspace, external_participant_id=participant_id
    )


# Export.


def export_contact(contact):
    """Everything held about a panel contact, as JSON-ready data."""
    invitations = StudyInvitation.objects.filter(contact=contact).select_related("study")
    return {
        "exported_at": _iso(timezone.now()),
        "workspace": contact.workspace.name,
        "contact": {
            "email": contact.email,
            "attributes": contact.attributes,
            "created_at": _iso(contact.created_at),
            "last_invited_at": _iso(contact.last_study_at),
            "unsubscribed_at": _iso(contact.unsubscribed_at),
        },
        "invitations": [
            {
                "study": invitation.study.title,
                "status": invitation.status,
                "created_at": _iso(invitation.created_at),
                "sent_at": _iso(invitation.sent_at),
                "opened_at": _iso(invitation.opened_at),
                "reminded_at": _iso(invitation.reminded_at),
                "error": invitation.error,
            }
            for invitation in invitations
        ],
        "sessions": export_sessions(sessions_of_contact(contact)),
    }


def export_participant(workspace, participant_id):
    """Everything held about the participant an external panel calls `participant_id`."""
    return {
        "exported_at": _iso(timezone.now()),
        "workspace": workspace.name,
        "participant_id": participant_id,
        "contact": None,
        "invitations": [],
        "sessions": export_sessions(sessions_of_participant(workspace, participant_id)),
    }


def export_sessions(sessions):
    """The sessions with their consent, screener answers, attempts, events, answers, comments."""
    sessions = list(
        sessions.select_related("study", "share_link", "admission__segment")
        .prefetch_related(
            Prefetch(
                "events",
                queryset=Event.objects.select_related("screen", "hotspot").order_by("t_ms", "id"),
            ),
            Prefetch("answers", queryset=Answer.objects.select_related("question")),
            Prefetch("comments", queryset=Comment.objects.select_related("screen", "task")),
            "attempts__task",
        )
        .order_by("started_at", "id")
    )
    study_ids = {session.study_id for session in sessions}
    consent_texts = {
        (text.study_id, text.version): text.text
        for text in ConsentText.objects.filter(study_id__in=study_ids)
    }
    screener_texts = dict(
        ScreenerQuestion.objects.filter(study_id__in=study_ids).values_list("pk", "text")
    )
    tasks = {attempt.task for session in sessions for attempt in session.attempts.all()}
    first_clicks = first_click_points([session.pk for session in sessions], tasks)
    path_ids = {
        screen
        for session in sessions
        for attempt in session.attempts.all()
        for screen in attempt.path
    }
    screen_names = dict(Screen.objects.filter(pk__in=path_ids).values_list("pk", "name"))
    return [
        _export_session(session, consent_texts, screener_texts, first_clicks, screen_names)
        for session in sessions
    ]


def _export_session(session, consent_texts, screener_texts, first_clicks, screen_names):
    admission = getattr(session, "admission", None)
    return {
        "study": session.study.title,
        "link": session.share_link.name if session.share_link else None,
        "state": session.state,
        "started_at": _iso(session.started_at),
        "finished_at": _iso(session.finished_at),
        "language": session.language,
        "participant_id": session.external_participant_id,
        "user_agent": session.user_agent,
        "consent": {
            "version": session.consent_version,
            "agreed_at": _iso(session.consented_at),
            "text": consent_texts.get((session.study_id, session.consent_version)),
        },
        "screener": None
        if admission is None
        else {
            "answers": [
                {"question": screener_texts.get(int(key), key), "answer": value}
                for key, value in admission.answers.items()
            ],
            "segment": admission.segment.value if admission.segment else None,
            "outcome": admission.get_refusal_display(),
        },
        "attempts": [
            {
                "task": attempt.task.instruction,
                **attempt_outcome(
                    attempt.task, attempt.outcome, first_clicks.get((session.pk, attempt.task_id))
                ).as_dict(),
                "seconds": attempt.seconds,
                "clicks": attempt.clicks,
                "misclicks": attempt.misclicks,
                # Screens by name: the ids mean nothing to the person reading their data.
                "path": [screen_names.get(screen, screen) for screen in attempt.path],
                "seq": attempt.seq,
            }
            for attempt in session.attempts.all()
        ],
        "events": [
            {
                "type": event.type,
                "t_ms": event.t_ms,
                "task": event.task_id,
                "screen": event.screen.name if event.screen else None,
                "hotspot": event.hotspot.label if event.hotspot else None,
                "x": event.x,
                "y": event.y,
                "data": event.data,
            }
            for event in session.events.all()
        ],
        "answers": [
            {
                "question": answer.question.text or answer.question.get_kind_display(),
                "value": answer.value,
            }
            for answer in session.answers.all()
        ],
        "comments": [
            {
                "screen": comment.screen.name,
                "task": comment.task.instruction if comment.task else None,
                "x": comment.x,
                "y": comment.y,
                "text": comment.text,
                "created_at": _iso(comment.created_at),
            }
            for comment in session.comments.all()
        ],
    }


# Erasure.


def erase_contact(contact):
    """Erase a panel contact and the personal data of the sessions their invitations started."""
    with transaction.atomic():
        scrub_sessions(sessions_of_contact(contact).values_list("pk", flat=True))
        if contact.unsubscribed_at is not None:
            OptOut.objects.get_or_create(
                workspace_id=contact.workspace_id,
                digest=email_digest(contact.workspace_id, contact.email),
            )
        invitations = list(StudyInvitation.objects.filter(contact=contact))
        for invitation in invitations:
            # The old personal link must lead nowhere: its token is replaced by an unknown one.
            invitation.token = new_token()
            invitation.contact = None
            invitation.error = ""
        StudyInvitation.objects.bulk_update(invitations, ["token", "contact", "error"])
        contact.delete()


def erase_participant(workspace, participant_id):
    """Erase the personal data of an external panel's participant; returns how many sessions."""
    with transaction.atomic():
        ids = list(sessions_of_participant(workspace, participant_id).values_list("pk", flat=True))
        scrub_sessions(ids)
    return len(ids)


def scrub_sessions(session_ids):
    """Remove what identifies the participants of these sessions or what they wrote."""
    session_ids = list(session_ids)
    for start in range(0, len(session_ids), BATCH):
        _scrub_batch(session_ids[start : start + BATCH])


def _scrub_batch(ids):
    ParticipantSession.objects.filter(pk__in=ids).update(external_participant_id="", user_agent="")
    Comment.objects.filter(session_id__in=ids).delete()
    erase_audio(ids)
    Event.objects.filter(session_id__in=ids, type__in=TEXT_EVENT_TYPES).update(data={})
    open_questions = Question.objects.filter(
        kind=Question.Kind.OPEN, study__sessions__pk__in=ids
    ).values_list("pk", flat=True)
    open_ids = set(open_questions)
    if open_ids:
        Answer.objects.filter(session_id__in=ids, question_id__in=open_ids).update(value="")
        typed = list(
            Event.objects.filter(
                session_id__in=ids, type=Event.Type.ANSWER, data__question__in=open_ids
            ).only("pk", "data")
        )
        for event in typed:
            event.data = {"question": event.data["question"], "value": ""}
        Event.objects.bulk_update(typed, ["data"], batch_size=BATCH)
    Admission.objects.filter(session_id__in=ids).update(answers={})


# Retention.


def purge_expired(now=None):
    """Erase personal data older than each workspace's retention period; returns the counts."""
    now = now or timezone.now()
    purged = {"sessions": 0, "contacts": 0, "imports": 0, "evidence": 0}
    for settings_row in PanelSettings.objects.filter(retention_days__isnull=False):
        cutoff = now - timedelta(days=settings_row.retention_days)
        with transaction.atomic():
            sessions = ParticipantSession.objects.filter(
                study__workspace_id=settings_row.workspace_id, started_at__lt=cutoff
            )
            if settings_row.purged_until is not None:
                sessions = sessions.filter(started_at__gte=settings_row.purged_until)
            ids = list(sessions.values_list("pk", flat=True))
            scrub_sessions(ids)
            purged["sessions"] += len(ids)
            expired = Contact.objects.filter(
                Q(last_study_at__lt=cutoff) | Q(last_study_at__isnull=True),
                workspace_id=settings_row.workspace_id,
                created_at__lt=cutoff,
            )
            for contact in expired:
                erase_contact(contact)
                purged["contacts"] += 1
            purged["evidence"] += evidence.purge_expired(settings_row.workspace_id, cutoff)
            if settings_row.purged_until is None or settings_row.purged_until < cutoff:
                PanelSettings.objects.filter(pk=settings_row.pk).update(purged_until=cutoff)
    purged["imports"], _ = ContactImport.objects.filter(
        created_at__lt=now - IMPORT_LIFETIME
    ).delete()
    purged["imports"] += evidence.purge_staged(now)
    return purged
