"""Who takes part: the screener before the tasks, quotas, invitations and the consent agreed to.

A participant is admitted when they consent, answer the screener in a way its rules accept, and
their segment is not full yet. Everyone else gets a session in the state `screened_out`, which
takes no tasks and counts in no result.

Quotas count completed sessions, and they are exact: when a session completes, the study's row
is locked while the completed sessions are counted, so two participants finishing at the same
moment cannot both take the last place. One who finishes once a quota is full (of the study, of
their link or of their segment) is recorded as over quota: their session becomes `screened_out`
and their results are left out. Reaching the study's quota closes the study.
"""

import contextlib
import math

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from prototypes.recruitment.entrance import read_entrance
from prototypes.recruitment.models import (
    Admission,
    ConsentText,
    ScreenerQuestion,
    Segment,
    StudyInvitation,
    StudyRecruitment,
)
from prototypes.sessions.models import ParticipantSession
from prototypes.studies import participants
from prototypes.studies import services as study_services
from prototypes.studies.models import Study

Kind = ScreenerQuestion.Kind
Rule = ScreenerQuestion.Rule
Refusal = Admission.Refusal
SessionState = ParticipantSession.State

# Far beyond any age, income or count a screener asks for; keeps floats finite and readable.
NUMBER_LIMIT = 1e12


class StartRefused(Exception):
    """A start the participant cannot make as asked; `status` is the HTTP status to answer."""

    def __init__(self, message, status=409, errors=None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.errors = errors or {}


class ScreenerInvalid(StartRefused):
    def __init__(self, errors):
        super().__init__("Please answer every question.", status=400, errors=errors)


def screener_questions(study):
    return list(ScreenerQuestion.objects.filter(study=study).order_by("position", "id"))


# Answers and rules.


def clean_answers(questions, raw):
    """The answers of `raw` ({question id: value}) as stored, or ScreenerInvalid.

    Single choice: the chosen text; multiple choice: the chosen texts in the question's order;
    number: a float. A one-item list is accepted for a single choice or a number, as browsers
    send form values as lists.
    """
    if not isinstance(raw, dict):
        raise ScreenerInvalid({"": "The screener answers must be an object."})
    answers, errors = {}, {}
    for question in questions:
        key = str(question.pk)
        value = raw.get(key)
        try:
            answers[key] = _clean_answer(question, value)
        except ValueError as error:
            errors[key] = str(error)
    if errors:
        raise ScreenerInvalid(errors)
    return answers


def _clean_answer(question, value):
    if isinstance(value, list) and question.kind != Kind.MULTIPLE:
        value = value[0] if len(value) == 1 else None
    if value is None or value == "" or value == []:
        raise ValueError("Please answer this question.")
    if question.kind == Kind.SINGLE:
        if value not in question.choices:
            raise ValueError("Please choose one of the answers.")
        return value
    if question.kind == Kind.MULTIPLE:
        chosen = set(value) if isinstance(value, list) else {value}
        if not all(isinstance(item, str) for item in chosen) or not chosen <= set(question.choices):
            raise ValueError("Please choose among the answers given.")
        return [choice for choice in question.choices if choice in chosen]
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError("Please give a number.")
    try:
        number = float(str(value).strip().replace(",", "."))
    except ValueError:
        raise ValueError("Please give a number.") from None
    if not math.isfinite(number) or abs(number) > NUMBER_LIMIT:
        raise ValueError("Please give a number.")
    return number


def passes(question, answer):
    """Whether a cleaned answer satisfies the question's rule."""
    if question.rule == Rule.ANY:
        return True
    if question.rule == Rule.RANGE:
        if question.kind != Kind.NUMBER:
            return True
        if question.minimum is not None and answer < question.minimum:
            return False
        return question.maximum is None or answer <= question.maximum
    chosen = set(answer) if isinstance(answer, list) else {answer}
    named = chosen & set(question.rule_choices)
    if question.rule == Rule.MUST_BE:
        return bool(named)
    return not named


def find_segment(segments, answers):
    """The first segment whose answer the participant gave, or None."""
    for segment in segments:
        if answers.get(str(segment.question_id)) == segment.value:
            return segment
    return None


# Starting.


def record_consent(study):
    """Keep the exact consent text of the study's current version, the first time it is agreed to.

    A study's consent version goes up whenever its text changes after participants have
    started, so the text stored for a version is the one everyone with that version agreed to.
    """
    ConsentText.objects.get_or_create(
        study=study, version=study.consent_version, defaults={"text": study.consent_text}
    )


def start_participant(
    link,
    *,
    participant_id="",
    user_agent="",
    screener_answers=None,
    invitation_token="",
    consent_version=None,
    entrance=None,
):
    """Start a session through `link` for a participant who consented; returns (session, refusal).

    `refusal` is "" when the participant is admitted, else the reason they were screened out
    (their session is then in the state `screened_out`). Raises StartRefused (nothing stored)
    when the consent text changed since the participant read it, when the invitation is unknown
    or already used, or ScreenerInvalid when the answers are missing or malformed.

    `entrance` is the link as read_entrance read it in this request, when the caller has it:
    the start then runs only the queries its study needs (a study with no screener, no concepts
    and its consent text recorded: the session's INSERT alone).
    """
    if entrance is None:
        entrance = read_entrance(link.token)
        if entrance is None:
            raise StartRefused("No such study link.", status=404)
    study = entrance.study
    if consent_version is not None and consent_version != study.consent_version:
        raise StartRefused(
            "The consent text has changed since this page was opened: please read it again.",
            status=409,
        )
    questions = screener_questions(study) if entrance.has_screener else []
    answers = clean_answers(questions, screener_answers or {}) if questions else {}
    # Without a screener, concepts, an invitation or a consent text to record, the start is the
    # session's INSERT alone: no transaction around it, whose BEGIN and COMMIT would double the
    # round trips of the usual start.
    several_writes = invitation_token or questions or entrance.has_concepts
    with (
        transaction.atomic()
        if several_writes or not entrance.consent_recorded
        else contextlib.nullcontext()
    ):
        invitation = None
        if invitation_token:
            invitation = (
                StudyInvitation.objects.select_for_update()
                .filter(token=invitation_token, study=study, contact__isnull=False)
                .first()
            )
            if invitation is None:
                raise StartRefused("This invitation link is not valid.", status=404)
            if invitation.session_id is not None:
                raise StartRefused("This invitation has already been used.", status=409)
        refusal = Refusal.NONE
        segment = None
        if not all(passes(question, answers[str(question.pk)]) for question in questions):
            refusal = Refusal.SCREENER
        elif questions and participant_id and _screened_out_before(study, participant_id):
            # Answering again differently must not let a panel member past the screener.
            refusal = Refusal.SCREENER
        elif questions:
            # A segment is an answer to a screener question: no screener, no segment.
            segment = find_segment(list(study.segments.all()), answers)
            if segment is not None and segment_completed(segment) >= segment.quota:
                refusal = Refusal.SEGMENT_FULL
        session = participants.start_session(
            study,
            link=entrance.link,
            participant_id=participant_id,
            user_agent=user_agent,
            admitted=not refusal,
            concepts=entrance.has_concepts,
        )
        if not entrance.consent_recorded:
            record_consent(study)
        if refusal:
            ParticipantSession.objects.filter(pk=session.pk).update(
                state=SessionState.SCREENED_OUT, finished_at=timezone.now()
            )
            session.state = SessionState.SCREENED_OUT
        if questions or refusal:
            Admission.objects.create(
                session=session, answers=answers, segment=segment, refusal=refusal
            )
        if invitation is not None:
            invitation.session = session
            invitation.status = (
                StudyInvitation.Status.SCREENED_OUT if refusal else StudyInvitation.Status.STARTED
            )
            if invitation.opened_at is None:
                invitation.opened_at = timezone.now()
            invitation.save(update_fields=["session", "status", "opened_at"])
    return session, refusal


def refusal_message(refusal):
    """The polite message a screened-out participant reads, in the active language."""
    if refusal == Refusal.SEGMENT_FULL:
        return _(
            "Thank you for your interest! This study already has enough participants like you, "
            "so you will not take part this time. You can close this page."
        )
    return _(
        "Thank you for your interest! This study is looking for people with a different "
        "profile, so you will not take part this time. You can close this page."
    )


def _screened_out_before(study, participant_id):
    return ParticipantSession.objects.filter(
        study=study,
        external_participant_id=participant_id,
        state=SessionState.SCREENED_OUT,
        admission__refusal=Refusal.SCREENER,
    ).exists()


def segment_completed(segment, exclude=None):
    sessions = ParticipantSession.objects.filter(
        admission__segment=segment, state=SessionState.COMPLETED
    )
    if exclude is not None:
        sessions = sessions.exclude(pk=exclude.pk)
    return sessions.count()


# Finishing.


def count_completion(session):
    """Decide, under the study's row lock, whether a session that just completed counts.

    Call it in the transaction that marked the session completed. Returns True when it counts;
    otherwise the session is marked over quota (state `screened_out`). Closes the study when
    this completion fills its quota.
    """
    study = Study.objects.select_for_update().get(pk=session.study_id)
    quota = StudyRecruitment.objects.filter(study=study).values_list("quota", flat=True).first()
    # The session may come with only some of its fields loaded (the ingestion reads few).
    link = (
        ParticipantSession.objects.filter(pk=session.pk)
        .values("share_link_id", "share_link__quota")
        .get()
    )
    others = ParticipantSession.objects.filter(study=study, state=SessionState.COMPLETED).exclude(
        pk=session.pk
    )
    completed = others.count()
    full = quota is not None and completed >= quota
    if not full and link["share_link__quota"] is not None:
        full = (
            others.filter(share_link_id=link["share_link_id"]).count() >= link["share_link__quota"]
        )
    if not full:
        segment = Segment.objects.filter(admissions__session=session).first()
        full = segment is not None and segment_completed(segment, exclude=session) >= segment.quota
    if full:
        ParticipantSession.objects.filter(pk=session.pk).update(state=SessionState.SCREENED_OUT)
        session.state = SessionState.SCREENED_OUT
        Admission.objects.update_or_create(
            session=session, defaults={"refusal": Refusal.OVER_QUOTA}
        )
    StudyInvitation.objects.filter(session=session).update(
        status=StudyInvitation.Status.SCREENED_OUT if full else StudyInvitation.Status.COMPLETED
    )
    if (
        not full
        and quota is not None
        and completed + 1 >= quota
        and study.state in (Study.State.LIVE, Study.State.PAUSED)
    ):
        study_services.transition(study, Study.State.CLOSED)
    return not full
