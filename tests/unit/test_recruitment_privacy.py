import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from prototypes.friction import exports
from prototypes.friction import services as evidence
from prototypes.friction.models import Item
from prototypes.recruitment import admission, privacy
from prototypes.recruitment.models import (
    Admission,
    Contact,
    ContactImport,
    PanelSettings,
    StudyInvitation,
)
from prototypes.recruitment.tasks import purge_expired_personal_data
from prototypes.sessions.models import Answer, Comment, Event, ParticipantSession, TaskAttempt
from prototypes.studies.models import Question, Study
from tests import factories


@pytest.fixture
def study(workspace):
    return factories.StudyFactory(workspace=workspace, state=Study.State.LIVE)


def session_with_results(study, **fields):
    """A finished session with a click, a typed answer, a choice answer and a comment."""
    session = factories.SessionFactory(
        study=study,
        state=ParticipantSession.State.COMPLETED,
        user_agent="Mozilla/5.0 (Secret)",
        **fields,
    )
    task = factories.TaskFactory(study=study)
    factories.TaskAttemptFactory(session=session, task=task)
    open_question = factories.QuestionFactory(study=study, kind=Question.Kind.OPEN)
    choice = factories.QuestionFactory(
        study=study, kind=Question.Kind.SINGLE, choices=["Yes", "No"], text="Again?"
    )
    factories.EventFactory(session=session, type=Event.Type.CLICK, screen=task.start_screen)
    factories.EventFactory(
        session=session,
        type=Event.Type.ANSWER,
        data={"question": open_question.pk, "value": "My name is Ada and I live in Lyon"},
    )
    factories.EventFactory(
        session=session, type=Event.Type.ANSWER, data={"question": choice.pk, "value": "Yes"}
    )
    comment_event = factories.EventFactory(
        session=session, type=Event.Type.COMMENT, data={"text": "Call me on 06 12 34 56 78"}
    )
    factories.AnswerFactory(
        session=session, question=open_question, value="My name is Ada and I live in Lyon"
    )
    factories.AnswerFactory(session=session, question=choice, value="Yes")
    factories.CommentFactory(session=session, event=comment_event, text="Call me on 06 12 34 56 78")
    Admission.objects.create(session=session, answers={"1": 42.0})
    admission.record_consent(study)
    return session


@pytest.fixture
def invited(study, workspace):
    contact = factories.ContactFactory(
        workspace=workspace, email="ada@example.com", attributes={"city": "Lyon"}
    )
    session = session_with_results(study)
    invitation = factories.StudyInvitationFactory(
        study=study, contact=contact, session=session, status=StudyInvitation.Status.COMPLETED
    )
    return contact, session, invitation


# Export.


def test_the_export_holds_everything_about_the_contact(invited, study):
    contact, session, invitation = invited
    data = privacy.export_contact(contact)
    json.dumps(data)  # JSON-ready
    assert data["contact"]["email"] == "ada@example.com"
    assert data["contact"]["attributes"] == {"city": "Lyon"}
    assert data["invitations"][0]["status"] == "completed"
    [exported] = data["sessions"]
    assert exported["user_agent"] == "Mozilla/5.0 (Secret)"
    assert exported["consent"]["text"] == study.consent_text
    assert exported["consent"]["version"] == 1
    assert exported["screener"]["answers"] == [{"question": "1", "answer": 42.0}]
    assert {event["type"] for event in exported["events"]} == {"click", "answer", "comment"}
    assert {answer["value"] for answer in exported["answers"]} == {
        "Yes",
        "My name is Ada and I live in Lyon",
    }
    assert exported["comments"][0]["text"] == "Call me on 06 12 34 56 78"
    assert exported["attempts"][0]["outcome"] == "direct"


def test_the_export_of_an_external_panel_participant_finds_their_sessions(study, workspace):
    session_with_results(study, external_participant_id="PROLIFIC-7")
    factories.SessionFactory(study=study, external_participant_id="someone else")
    data = privacy.export_participant(workspace, "PROLIFIC-7")
    assert [session["participant_id"] for session in data["sessions"]] == ["PROLIFIC-7"]


def test_owners_download_the_export(client, owner, invited):
    contact, _, _ = invited
    client.force_login(owner)
    response = client.get(reverse("contact_export", args=[contact.pk]))
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    assert json.loads(response.content)["contact"]["email"] == "ada@example.com"


def test_designers_may_not_export_or_erase(designer_client, invited):
    contact, _, _ = invited
    assert designer_client.get(reverse("contact_export", args=[contact.pk])).status_code == 403
    response = designer_client.post(reverse("contact_erase", args=[contact.pk]), {"confirm": "on"})
    assert response.status_code == 403
    assert Contact.objects.filter(pk=contact.pk).exists()


# Erasure.


def assert_personal_data_gone(session):
    session.refresh_from_db()
    assert session.external_participant_id == "" and session.user_agent == ""
    assert not Comment.objects.filter(session=session).exists()
    assert not Event.objects.filter(session=session, type=Event.Type.COMMENT).exclude(data={})
    answers = dict(Answer.objects.filter(session=session).values_list("question__kind", "value"))
    assert answers == {"open": "", "single": "Yes"}
    typed = Event.objects.filter(session=session, type=Event.Type.ANSWER).values_list(
        "data", flat=True
    )
    assert "My name is Ada and I live in Lyon" not in json.dumps(list(typed))
    assert Admission.objects.get(session=session).answers == {}


def assert_anonymous_results_kept(session):
    assert TaskAttempt.objects.filter(session=session).count() == 1
    assert Event.objects.filter(session=session, type=Event.Type.CLICK).count() == 1
    assert session.consent_version == 1 and session.consented_at is not None
    assert session.state == ParticipantSession.State.COMPLETED


def test_erasing_a_contact_removes_personal_data_and_keeps_anonymous_results(
    client, owner, invited
):
    contact, session, invitation = invited
    old_token = invitation.token
    client.force_login(owner)
    page = client.get(reverse("contact_erase", args=[contact.pk]))
    assert b"Kept, anonymous" in page.content
    refused = client.post(reverse("contact_erase", args=[contact.pk]), {})
    assert refused.status_code == 200 and Contact.objects.filter(pk=contact.pk).exists()
    response = client.post(reverse("contact_erase", args=[contact.pk]), {"confirm": "on"})
    assert response.status_code == 302
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert_personal_data_gone(session)
    assert_anonymous_results_kept(session)
    invitation.refresh_from_db()
    assert invitation.contact is None
    assert invitation.status == StudyInvitation.Status.COMPLETED  # still in the funnel
    assert client.get(reverse("invitation_open", args=[old_token])).status_code == 404


def test_erasing_an_external_participant_through_the_privacy_page(client, owner, study):
    session = session_with_results(study, external_participant_id="PROLIFIC-7")
    client.force_login(owner)
    found = client.post(reverse("participant_privacy"), {"participant_id": "PROLIFIC-7"})
    assert b"1 session in this workspace" in found.content
    exported = client.post(
        reverse("participant_privacy"), {"participant_id": "PROLIFIC-7", "action": "export"}
    )
    assert json.loads(exported.content)["sessions"][0]["participant_id"] == "PROLIFIC-7"
    erased = client.post(
        reverse("participant_privacy"),
        {"participant_id": "PROLIFIC-7", "action": "erase", "confirm": "on"},
    )
    assert erased.status_code == 302
    assert_personal_data_gone(session)
    assert_anonymous_results_kept(session)


def test_the_privacy_page_sends_a_known_email_to_the_contact(client, owner, invited):
    contact, _, _ = invited
    client.force_login(owner)
    response = client.post(reverse("participant_privacy"), {"email": "ADA@example.com"})
    assert response["Location"] == reverse("contact_detail", args=[contact.pk])
    unknown = client.post(reverse("participant_privacy"), {"email": "nobody@example.com"})
    assert b"Nobody with this email" in unknown.content


def test_the_privacy_page_only_searches_its_own_workspace(client, outsider, study):
    session_with_results(study, external_participant_id="PROLIFIC-7")
    client.force_login(outsider)
    response = client.post(
        reverse("participant_privacy"),
        {"participant_id": "PROLIFIC-7", "action": "erase", "confirm": "on"},
    )
    assert response.status_code == 302
    assert ParticipantSession.objects.get().external_participant_id == "PROLIFIC-7"


# Retention.


def test_personal_data_older_than_the_retention_period_is_purged(study, workspace):
    PanelSettings.objects.create(workspace=workspace, retention_days=90)
    old_session = session_with_results(study, external_participant_id="OLD")
    recent_session = session_with_results(study, external_participant_id="RECENT")
    long_ago = timezone.now() - timedelta(days=91)
    ParticipantSession.objects.filter(pk=old_session.pk).update(started_at=long_ago)
    old_contact = factories.ContactFactory(workspace=workspace, email="old@example.com")
    Contact.objects.filter(pk=old_contact.pk).update(created_at=long_ago, last_study_at=long_ago)
    recently_invited = factories.ContactFactory(workspace=workspace, email="invited@example.com")
    Contact.objects.filter(pk=recently_invited.pk).update(
        created_at=long_ago, last_study_at=timezone.now() - timedelta(days=10)
    )
    factories.ContactFactory(workspace=workspace, email="new@example.com")
    stale_import = ContactImport.objects.create(
        workspace=workspace, filename="x.csv", email_column="email", rows=[[2, "a@b.c", {}]]
    )
    ContactImport.objects.filter(pk=stale_import.pk).update(
        created_at=timezone.now() - timedelta(days=2)
    )
    # Another workspace without a retention period keeps everything.
    elsewhere = factories.StudyFactory(state=Study.State.LIVE)
    kept = session_with_results(elsewhere, external_participant_id="ELSEWHERE")
    ParticipantSession.objects.filter(pk=kept.pk).update(started_at=long_ago)

    evidence.add_items(
        workspace,
        [
            exports.Row(line=2, text="Where is my parcel?", date=long_ago),
            exports.Row(line=3, text="Still no tracking", date=timezone.now()),
        ],
        "Zendesk",
    )

    result = purge_expired_personal_data.apply().get(disable_sync_subtasks=False)

    assert result == {"sessions": 1, "contacts": 1, "imports": 1, "evidence": 1}
    assert list(Item.objects.values_list("text", flat=True)) == ["Still no tracking"]
    assert_personal_data_gone(old_session)
    recent_session.refresh_from_db()
    assert recent_session.external_participant_id == "RECENT"
    assert sorted(Contact.objects.values_list("email", flat=True)) == [
        "invited@example.com",
        "new@example.com",
    ]
    kept.refresh_from_db()
    assert kept.external_participant_id == "ELSEWHERE"
    # The next run does not go over what is already purged.
    assert privacy.purge_expired() == {"sessions": 0, "contacts": 0, "imports": 0, "evidence": 0}


def test_the_retention_period_is_at_least_thirty_days(client, owner):
    client.force_login(owner)
    response = client.post(reverse("panel_settings"), {"cooling_off_days": 30, "retention_days": 7})
    assert response.status_code == 200
    assert b"at least 30 days" in response.content
    saved = client.post(reverse("panel_settings"), {"cooling_off_days": 14, "retention_days": 365})
    assert saved.status_code == 302
    settings_row = PanelSettings.objects.get()
    assert (settings_row.cooling_off_days, settings_row.retention_days) == (14, 365)


def test_the_export_names_screens_and_hotspots_not_their_ids(invited):
    contact, session, _ = invited
    attempt = session.attempts.get()
    screen = attempt.task.start_screen
    hotspot = factories.HotspotFactory(screen=screen, label="Track my order")
    attempt.path = [screen.pk]
    attempt.save()
    factories.EventFactory(session=session, type=Event.Type.CLICK, screen=screen, hotspot=hotspot)
    [exported] = privacy.export_contact(contact)["sessions"]
    assert exported["attempts"][0]["path"] == [screen.name]
    click = [event for event in exported["events"] if event["hotspot"]][0]
    assert (click["screen"], click["hotspot"]) == (screen.name, "Track my order")
