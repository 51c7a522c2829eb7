import pytest
from django.db import transaction

from prototypes.recruitment import admission
from prototypes.recruitment.completion import completion_for
from prototypes.recruitment.models import (
    Admission,
    ConsentText,
    LinkSettings,
    ScreenerQuestion,
    StudyInvitation,
    StudyRecruitment,
)
from prototypes.sessions.models import ParticipantSession
from prototypes.studies.models import Study
from prototypes.studies.services import study_progress
from tests import factories

Kind = ScreenerQuestion.Kind
Rule = ScreenerQuestion.Rule
State = ParticipantSession.State


@pytest.fixture
def link(db):
    study = factories.StudyFactory(state=Study.State.LIVE)
    return factories.ShareLinkFactory(study=study)


def question(**fields):
    return ScreenerQuestion(pk=fields.pop("pk", 1), text="?", **fields)


def finish(session):
    """Complete a session the way the ingestion does: mark it, then count it, in one go."""
    with transaction.atomic():
        ParticipantSession.objects.filter(pk=session.pk).update(state=State.COMPLETED)
        counted = admission.count_completion(session)
    session.refresh_from_db()
    return counted


# Rules.


@pytest.mark.parametrize(
    ("rule", "rule_choices", "answer", "expected"),
    [
        (Rule.ANY, [], "a", True),
        (Rule.MUST_BE, ["a"], "a", True),
        (Rule.MUST_BE, ["a"], "b", False),
        (Rule.MUST_NOT_BE, ["a"], "a", False),
        (Rule.MUST_NOT_BE, ["a"], "b", True),
    ],
)
def test_single_choice_rules(rule, rule_choices, answer, expected):
    asked = question(
        kind=Kind.SINGLE, choices=["a", "b", "c"], rule=rule, rule_choices=rule_choices
    )
    assert admission.passes(asked, answer) is expected


@pytest.mark.parametrize(
    ("rule", "answer", "expected"),
    [
        (Rule.MUST_BE, ["b", "c"], True),  # at least one of the named answers
        (Rule.MUST_BE, ["a"], False),
        (Rule.MUST_NOT_BE, ["a", "b"], False),  # any named answer screens out
        (Rule.MUST_NOT_BE, ["a", "c"], True),
    ],
)
def test_multiple_choice_rules(rule, answer, expected):
    asked = question(kind=Kind.MULTIPLE, choices=["a", "b", "c"], rule=rule, rule_choices=["b"])
    assert admission.passes(asked, answer) is expected


@pytest.mark.parametrize(
    ("minimum", "maximum", "answer", "expected"),
    [
        (18, 65, 18.0, True),
        (18, 65, 65.0, True),
        (18, 65, 17.5, False),
        (18, 65, 66.0, False),
        (18, None, 99.0, True),
        (None, 30, 31.0, False),
    ],
)
def test_number_range_rules(minimum, maximum, answer, expected):
    asked = question(kind=Kind.NUMBER, rule=Rule.RANGE, minimum=minimum, maximum=maximum)
    assert admission.passes(asked, answer) is expected


def test_answers_are_cleaned_to_their_kind():
    questions = [
        question(pk=1, kind=Kind.SINGLE, choices=["a", "b"]),
        question(pk=2, kind=Kind.MULTIPLE, choices=["x", "y", "z"]),
        question(pk=3, kind=Kind.NUMBER),
    ]
    answers = admission.clean_answers(questions, {"1": ["a"], "2": ["z", "x"], "3": "41,5"})
    assert answers == {"1": "a", "2": ["x", "z"], "3": 41.5}


@pytest.mark.parametrize(
    "raw",
    [
        {},
        {"1": "not a choice"},
        {"1": ["a", "b"]},
        {"1": 3},
        {"2": "NaN"},
        {"2": "1e400"},
        {"2": True},
        {"2": "twelve"},
    ],
)
def test_missing_or_malformed_answers_are_refused(raw):
    questions = [
        question(pk=1, kind=Kind.SINGLE, choices=["a", "b"]),
        question(pk=2, kind=Kind.NUMBER),
    ]
    raw = {"1": "a", "2": "3", **raw} if raw else raw
    with pytest.raises(admission.ScreenerInvalid):
        admission.clean_answers(questions, raw)


# Starting a session.


def test_a_participant_passing_the_screener_starts_with_their_answers_kept(link):
    asked = factories.ScreenerQuestionFactory(
        study=link.study, rule=Rule.MUST_BE, rule_choices=["Returning customer"]
    )
    session, refusal = admission.start_participant(
        link, participant_id="P-1", screener_answers={str(asked.pk): "Returning customer"}
    )
    assert refusal == ""
    assert session.state == State.ACTIVE
    assert session.external_participant_id == "P-1"
    assert session.admission.answers == {str(asked.pk): "Returning customer"}


def test_a_participant_failing_the_screener_is_screened_out_and_does_not_count(link):
    asked = factories.ScreenerQuestionFactory(
        study=link.study, rule=Rule.MUST_BE, rule_choices=["Returning customer"]
    )
    session, refusal = admission.start_participant(
        link, screener_answers={str(asked.pk): "New customer"}
    )
    session.refresh_from_db()
    assert refusal == Admission.Refusal.SCREENER
    assert session.state == State.SCREENED_OUT
    assert session.finished_at is not None
    # Screened-out sessions never reach the results or the study's progress.
    assert study_progress(link.study).started == 0


def test_the_same_panel_id_cannot_answer_again_to_get_past_the_screener(link):
    asked = factories.ScreenerQuestionFactory(
        study=link.study, rule=Rule.MUST_BE, rule_choices=["Returning customer"]
    )
    admission.start_participant(
        link, participant_id="P-9", screener_answers={str(asked.pk): "New customer"}
    )
    _, refusal = admission.start_participant(
        link, participant_id="P-9", screener_answers={str(asked.pk): "Returning customer"}
    )
    assert refusal == Admission.Refusal.SCREENER


def test_malformed_answers_store_nothing(link):
    factories.ScreenerQuestionFactory(study=link.study)
    with pytest.raises(admission.ScreenerInvalid):
        admission.start_participant(link, screener_answers={})
    assert not ParticipantSession.objects.exists()


def test_a_full_segment_screens_out_more_people_giving_its_answer(link):
    segment = factories.SegmentFactory(question__study=link.study, quota=1)
    key = str(segment.question_id)
    first, refusal = admission.start_participant(link, screener_answers={key: "New customer"})
    assert refusal == "" and first.admission.segment == segment
    assert finish(first)
    _, refusal = admission.start_participant(link, screener_answers={key: "New customer"})
    assert refusal == Admission.Refusal.SEGMENT_FULL
    # Another answer is not limited by that segment.
    _, refusal = admission.start_participant(link, screener_answers={key: "Returning customer"})
    assert refusal == ""


def test_consent_text_is_kept_for_each_version_agreed_to(link):
    study = link.study
    first_text = study.consent_text
    session, _ = admission.start_participant(link, consent_version=1)
    assert session.consent_version == 1 and session.consented_at is not None
    study.consent_text = "New words."
    study.consent_version = 2
    study.save()
    admission.start_participant(link, consent_version=2)
    texts = dict(ConsentText.objects.filter(study=study).values_list("version", "text"))
    assert texts[1] == first_text
    assert texts[2] == "New words."


def test_consent_to_an_outdated_text_is_refused(link):
    link.study.consent_version = 3
    link.study.save()
    with pytest.raises(admission.StartRefused) as refused:
        admission.start_participant(link, consent_version=2)
    assert refused.value.status == 409
    assert not ParticipantSession.objects.exists()


def test_an_invitation_starts_one_session_only(link):
    invitation = factories.StudyInvitationFactory(study=link.study)
    session, _ = admission.start_participant(link, invitation_token=invitation.token)
    invitation.refresh_from_db()
    assert invitation.session == session
    assert invitation.status == StudyInvitation.Status.STARTED
    with pytest.raises(admission.StartRefused) as refused:
        admission.start_participant(link, invitation_token=invitation.token)
    assert refused.value.status == 409
    with pytest.raises(admission.StartRefused):
        admission.start_participant(link, invitation_token="unknown")


# Finishing and quotas.


def test_the_study_closes_itself_when_its_quota_is_reached(link):
    StudyRecruitment.objects.create(study=link.study, quota=2)
    sessions = [admission.start_participant(link)[0] for _ in range(3)]
    assert finish(sessions[0])
    link.study.refresh_from_db()
    assert link.study.state == Study.State.LIVE
    assert finish(sessions[1])
    link.study.refresh_from_db()
    assert link.study.state == Study.State.CLOSED
    assert link.study.closed_at is not None
    # Someone still in progress when the quota filled is not counted.
    assert not finish(sessions[2])
    assert sessions[2].state == State.SCREENED_OUT
    assert sessions[2].admission.refusal == Admission.Refusal.OVER_QUOTA
    assert ParticipantSession.objects.filter(state=State.COMPLETED).count() == 2


def test_a_link_quota_counts_only_that_link(link):
    link.quota = 1
    link.save()
    other = factories.ShareLinkFactory(study=link.study, name="Newsletter")
    first = admission.start_participant(link)[0]
    late = admission.start_participant(link)[0]
    elsewhere = admission.start_participant(other)[0]
    assert finish(first)
    assert not finish(late)
    assert finish(elsewhere)


def test_a_segment_quota_is_exact_at_completion(link):
    segment = factories.SegmentFactory(question__study=link.study, quota=1)
    answers = {str(segment.question_id): "New customer"}
    # Both start before either finishes: both pass the screener.
    first = admission.start_participant(link, screener_answers=answers)[0]
    second = admission.start_participant(link, screener_answers=answers)[0]
    assert finish(first)
    assert not finish(second)


def test_an_invitation_follows_its_session_to_completed(link):
    invitation = factories.StudyInvitationFactory(study=link.study)
    session, _ = admission.start_participant(link, invitation_token=invitation.token)
    finish(session)
    invitation.refresh_from_db()
    assert invitation.status == StudyInvitation.Status.COMPLETED


# Thank-you page.


def test_completion_gives_the_link_code_and_redirect_with_the_participant_id(link):
    link.study.completion_code = "STUDY"
    link.study.save()
    LinkSettings.objects.create(
        link=link,
        completion_code="PANEL-42",
        completion_redirect_url="https://panel.example/done?rid={pid}&s=1",
    )
    session, _ = admission.start_participant(link, participant_id="a b&c")
    assert completion_for(session) is None  # not finished yet
    finish(session)
    assert completion_for(session) == {
        "code": "PANEL-42",
        "redirect_url": "https://panel.example/done?rid=a%20b%26c&s=1",
    }


def test_completion_falls_back_to_the_study_settings(link):
    link.study.completion_code = "STUDY"
    link.study.redirect_url = "https://example.com/thanks"
    link.study.save()
    session, _ = admission.start_participant(link)
    finish(session)
    assert completion_for(session) == {
        "code": "STUDY",
        "redirect_url": "https://example.com/thanks",
    }


def test_a_participant_over_quota_still_gets_the_completion_code(link):
    StudyRecruitment.objects.create(study=link.study, quota=1)
    LinkSettings.objects.create(link=link, completion_code="PAID")
    first, late = (admission.start_participant(link)[0] for _ in range(2))
    finish(first)
    assert not finish(late)
    assert completion_for(late) == {"code": "PAID", "redirect_url": ""}


def test_a_screened_out_participant_gets_no_completion_code(link):
    asked = factories.ScreenerQuestionFactory(
        study=link.study, rule=Rule.MUST_BE, rule_choices=["Returning customer"]
    )
    session, _ = admission.start_participant(link, screener_answers={str(asked.pk): "New customer"})
    assert completion_for(session) is None
