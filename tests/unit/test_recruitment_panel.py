import smtplib
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from prototypes.jobs import Job
from prototypes.recruitment import csv_import, panel, privacy
from prototypes.recruitment.models import Contact, PanelSettings, StudyInvitation, StudyRecruitment
from prototypes.recruitment.tasks import send_invitation_email, send_reminders
from prototypes.studies.models import Study
from tests import factories

Status = StudyInvitation.Status


@pytest.fixture(autouse=True)
def locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://tests.example"


@pytest.fixture
def study(workspace):
    study = factories.StudyFactory(workspace=workspace, state=Study.State.LIVE, title="Checkout")
    StudyRecruitment.objects.create(
        study=study, invitation_subject="Help us test", invitation_message="Ten minutes."
    )
    return study


def contacts(workspace, *emails, **fields):
    for email in emails:
        factories.ContactFactory(workspace=workspace, email=email, **fields)
    return Contact.objects.filter(workspace=workspace, email__in=emails)


def invite(study, queryset, user, capture):
    with capture(execute=True):
        return panel.invite(study, queryset, user)


# Invitations.


def test_an_invitation_is_emailed_in_text_and_html_with_a_personal_link(
    study, workspace, designer, django_capture_on_commit_callbacks
):
    plan = invite(
        study, contacts(workspace, "ada@example.com"), designer, django_capture_on_commit_callbacks
    )
    invitation = StudyInvitation.objects.get()
    assert plan.invitations == [invitation]
    assert invitation.status == Status.SENT and invitation.sent_at is not None
    [message] = mail.outbox
    assert message.to == ["ada@example.com"]
    assert message.subject == "Help us test"
    personal = f"https://tests.example/i/{invitation.token}/"
    unsubscribe = f"https://tests.example/u/{invitation.contact.token}/"
    assert "Ten minutes." in message.body
    assert personal in message.body and unsubscribe in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert f'href="{personal}"' in html and f'href="{unsubscribe}"' in html
    assert message.extra_headers["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert Job.objects.get().state == Job.State.DONE


def test_invitations_use_a_link_of_their_own_so_results_split_by_source(
    study, workspace, designer, django_capture_on_commit_callbacks
):
    invite(
        study, contacts(workspace, "a@example.com"), designer, django_capture_on_commit_callbacks
    )
    link = StudyRecruitment.objects.get(study=study).invitation_link
    assert link.name == panel.INVITATION_LINK_NAME and link.study == study


def test_only_a_live_study_takes_invitations(workspace, designer):
    draft = factories.StudyFactory(workspace=workspace)
    with pytest.raises(panel.InvitationRefused):
        panel.invite(draft, contacts(workspace, "a@example.com"), designer)
    assert not StudyInvitation.objects.exists()


def test_nobody_is_invited_twice_to_the_same_study(
    study, workspace, designer, django_capture_on_commit_callbacks
):
    everyone = contacts(workspace, "a@example.com")
    invite(study, everyone, designer, django_capture_on_commit_callbacks)
    PanelSettings.objects.update_or_create(workspace=workspace, defaults={"cooling_off_days": 0})
    plan = invite(study, everyone, designer, django_capture_on_commit_callbacks)
    assert plan.already_invited == 1 and plan.invitations == []
    assert len(mail.outbox) == 1


def test_cooling_off_keeps_recently_invited_contacts_out_of_other_studies(
    study, workspace, designer, django_capture_on_commit_callbacks
):
    recent = timezone.now() - timedelta(days=29)
    long_ago = timezone.now() - timedelta(days=31)
    factories.ContactFactory(workspace=workspace, email="recent@example.com", last_study_at=recent)
    factories.ContactFactory(workspace=workspace, email="old@example.com", last_study_at=long_ago)
    factories.ContactFactory(workspace=workspace, email="never@example.com")
    plan = invite(
        study,
        Contact.objects.filter(workspace=workspace),
        designer,
        django_capture_on_commit_callbacks,
    )
    assert plan.cooling_off == 1
    assert sorted(message.to[0] for message in mail.outbox) == [
        "never@example.com",
        "old@example.com",
    ]
    # Being invited starts a new cooling-off period.
    other = factories.StudyFactory(workspace=workspace, state=Study.State.LIVE)
    plan = invite(
        other,
        Contact.objects.filter(workspace=workspace),
        designer,
        django_capture_on_commit_callbacks,
    )
    assert plan.cooling_off == 3 and plan.invitations == []


def test_the_cooling_off_period_is_a_workspace_setting(
    study, workspace, designer, django_capture_on_commit_callbacks
):
    PanelSettings.objects.create(workspace=workspace, cooling_off_days=7)
    factories.ContactFactory(workspace=workspace, last_study_at=timezone.now() - timedelta(days=8))
    plan = invite(
        study,
        Contact.objects.filter(workspace=workspace),
        designer,
        django_capture_on_commit_callbacks,
    )
    assert len(plan.invitations) == 1


# Reminders.


def sent_invitation(study, days_ago, **fields):
    return factories.StudyInvitationFactory(
        study=study,
        status=Status.SENT,
        sent_at=timezone.now() - timedelta(days=days_ago),
        **fields,
    )


def test_a_reminder_goes_after_the_study_delay_to_unopened_invitations_only(
    study, django_capture_on_commit_callbacks
):
    due = sent_invitation(study, days_ago=4, contact__email="due@example.com")
    sent_invitation(study, days_ago=2, contact__email="early@example.com")
    opened = sent_invitation(study, days_ago=5, contact__email="opened@example.com")
    panel.open_invitation(opened.token)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_reminders() == 1
    [message] = mail.outbox
    assert message.to == ["due@example.com"]
    assert message.subject == "Reminder: Help us test"
    assert f"/i/{due.token}/" in message.body
    due.refresh_from_db()
    assert due.reminded_at is not None
    # One reminder only.
    with django_capture_on_commit_callbacks(execute=True):
        assert send_reminders() == 0
    assert len(mail.outbox) == 1


def test_the_reminder_delay_is_a_study_setting_and_can_be_turned_off(
    study, django_capture_on_commit_callbacks
):
    sent_invitation(study, days_ago=1.5)
    StudyRecruitment.objects.filter(study=study).update(reminder_after_days=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_reminders() == 1
    sent_invitation(study, days_ago=10)
    StudyRecruitment.objects.filter(study=study).update(reminder_after_days=None)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_reminders() == 0


def test_no_reminder_for_a_study_that_is_no_longer_live(study, django_capture_on_commit_callbacks):
    sent_invitation(study, days_ago=10)
    Study.objects.filter(pk=study.pk).update(state=Study.State.CLOSED)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_reminders() == 0
    assert mail.outbox == []


# Unsubscribing.


def test_unsubscribing_stops_every_email_in_every_study_forever(
    client, study, workspace, designer, django_capture_on_commit_callbacks
):
    contact = factories.ContactFactory(workspace=workspace, email="gone@example.com")
    invitation = sent_invitation(study, days_ago=10, contact=contact)
    pending = factories.StudyInvitationFactory(
        study=factories.StudyFactory(workspace=workspace, state=Study.State.LIVE), contact=contact
    )
    url = reverse("unsubscribe", args=[contact.token])
    page = client.get(url)
    assert page.status_code == 200 and b"gone@example.com" in page.content
    contact.refresh_from_db()
    assert contact.unsubscribed_at is None  # opening the link alone (a mail scanner) does nothing
    assert client.post(url).status_code == 200
    contact.refresh_from_db()
    assert contact.unsubscribed_at is not None
    pending.refresh_from_db()
    assert pending.status == Status.CANCELLED
    with django_capture_on_commit_callbacks(execute=True):
        assert send_reminders() == 0
        panel.resend(invitation)
    other = factories.StudyFactory(workspace=workspace, state=Study.State.LIVE)
    PanelSettings.objects.update_or_create(workspace=workspace, defaults={"cooling_off_days": 0})
    plan = invite(
        other, Contact.objects.filter(pk=contact.pk), designer, django_capture_on_commit_callbacks
    )
    assert plan.unsubscribed == 1
    assert mail.outbox == []


def test_an_invitation_queued_before_the_unsubscribe_is_not_sent(
    study, workspace, django_capture_on_commit_callbacks
):
    invitation = factories.StudyInvitationFactory(study=study)
    Contact.objects.filter(pk=invitation.contact_id).update(unsubscribed_at=timezone.now())
    assert (
        send_invitation_email.apply(args=[invitation.pk]).get(disable_sync_subtasks=False)
        == "unsubscribed"
    )
    invitation.refresh_from_db()
    assert invitation.status == Status.CANCELLED
    assert mail.outbox == []


def test_an_unsubscribe_outlives_erasure_and_a_new_import(
    study, workspace, designer, django_capture_on_commit_callbacks
):
    contact = factories.ContactFactory(workspace=workspace, email="Gone@Example.com")
    panel.unsubscribe(contact)
    privacy.erase_contact(contact)
    assert not Contact.objects.exists()
    checked = csv_import.prepare(
        workspace, designer, _file(b"email,plan\ngone@example.com,pro\nnew@example.com,free\n")
    )
    assert csv_import.run(checked) == 2
    back = Contact.objects.get(email="gone@example.com")
    assert back.unsubscribed_at is not None
    plan = invite(
        study,
        Contact.objects.filter(workspace=workspace),
        designer,
        django_capture_on_commit_callbacks,
    )
    assert plan.unsubscribed == 1
    assert [message.to for message in mail.outbox] == [["new@example.com"]]


def test_an_unknown_unsubscribe_link_says_so(client, db):
    response = client.get(reverse("unsubscribe", args=["nope"]))
    assert response.status_code == 404
    assert b"not on this list" in response.content


def _file(data, name="panel.csv"):
    return SimpleUploadedFile(name, data, content_type="text/csv")


# Failures.


def test_a_refused_email_is_retried_then_shown_as_bounced_with_the_error(
    study, workspace, designer, django_capture_on_commit_callbacks
):
    refusal = smtplib.SMTPSenderRefused(554, b"5.7.1 Refused", "noreply@localhost")
    with mock.patch(
        "django.core.mail.backends.locmem.EmailBackend.send_messages", side_effect=refusal
    ) as send:
        invite(
            study,
            contacts(workspace, "ada@example.com"),
            designer,
            django_capture_on_commit_callbacks,
        )
    invitation = StudyInvitation.objects.get()
    assert send.call_count > 1  # retried
    assert invitation.status == Status.BOUNCED
    assert invitation.error == "554 5.7.1 Refused (after 6 attempts)"
    assert invitation.sent_at is None


def test_a_connection_failure_is_shown_as_could_not_be_sent_and_can_be_sent_again(
    study, workspace, designer, django_capture_on_commit_callbacks
):
    with mock.patch(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        side_effect=ConnectionRefusedError(111, "Connection refused"),
    ):
        invite(
            study,
            contacts(workspace, "ada@example.com"),
            designer,
            django_capture_on_commit_callbacks,
        )
    invitation = StudyInvitation.objects.get()
    assert invitation.status == Status.FAILED
    assert "Connection refused" in invitation.error
    with django_capture_on_commit_callbacks(execute=True):
        assert panel.resend(invitation)
    invitation.refresh_from_db()
    assert invitation.status == Status.SENT and invitation.error == ""
    assert len(mail.outbox) == 1


# Opening the personal link.


def test_opening_the_personal_link_marks_it_opened_and_starts_the_player(client, study):
    invitation = factories.StudyInvitationFactory(study=study, status=Status.SENT)
    link = panel.invitation_link(study)
    response = client.get(reverse("invitation_open", args=[invitation.token]))
    assert response.status_code == 302
    assert response["Location"] == f"/s/{link.token}/?inv={invitation.token}"
    invitation.refresh_from_db()
    assert invitation.status == Status.OPENED and invitation.opened_at is not None


def test_a_used_invitation_says_so_instead_of_starting_again(client, study):
    invitation = factories.StudyInvitationFactory(
        study=study, session=factories.SessionFactory(study=study)
    )
    panel.invitation_link(study)
    response = client.get(reverse("invitation_open", args=[invitation.token]))
    assert response.status_code == 200
    assert b"already taken part" in response.content


def test_a_closed_study_says_so_on_the_personal_link(client, study):
    invitation = factories.StudyInvitationFactory(study=study)
    panel.invitation_link(study)
    Study.objects.filter(pk=study.pk).update(state=Study.State.CLOSED)
    response = client.get(reverse("invitation_open", args=[invitation.token]))
    assert b"not accepting participants" in response.content


def test_an_unknown_personal_link_is_a_404(client, db):
    assert client.get(reverse("invitation_open", args=["nope"])).status_code == 404


# Finding contacts.


def test_contacts_are_filtered_by_attributes_case_insensitively(workspace):
    factories.ContactFactory(workspace=workspace, email="a@x.com", attributes={"plan": "Pro"})
    factories.ContactFactory(
        workspace=workspace, email="b@x.com", attributes={"plan": "pro", "city": "Lyon"}
    )
    factories.ContactFactory(workspace=workspace, email="c@x.com", attributes={"plan": "free"})
    found = panel.find_contacts(workspace, panel.parse_filters("plan=pro"))
    assert sorted(found.values_list("email", flat=True)) == ["a@x.com", "b@x.com"]
    found = panel.find_contacts(workspace, panel.parse_filters("plan = PRO\ncity=lyon"))
    assert list(found.values_list("email", flat=True)) == ["b@x.com"]
    # A key with odd characters is only a key, never a lookup.
    assert not panel.find_contacts(workspace, [("plan__contains", "p")]).exists()


def test_a_malformed_filter_is_explained():
    with pytest.raises(panel.FilterError, match="attribute=value"):
        panel.parse_filters("plan")
