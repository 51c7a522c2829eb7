import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from prototypes.recruitment import admission
from prototypes.recruitment.models import (
    Admission,
    Contact,
    LinkSettings,
    ScreenerQuestion,
    Segment,
    StudyInvitation,
    StudyRecruitment,
)
from prototypes.sessions.models import ParticipantSession
from prototypes.studies.models import ShareLink, Study
from tests import factories

State = ParticipantSession.State


@pytest.fixture
def study(workspace):
    study = factories.StudyFactory(workspace=workspace, state=Study.State.LIVE)
    factories.ShareLinkFactory(study=study)
    return study


def test_the_study_page_leads_to_its_recruitment(designer_client, study):
    page = designer_client.get(reverse("study_detail", args=[study.pk]))
    assert reverse("study_recruitment", args=[study.pk]).encode() in page.content


def test_the_recruitment_page_shows_links_screener_and_settings(client, viewer, study):
    client.force_login(viewer)
    page = client.get(reverse("study_recruitment", args=[study.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Default link" in text and "Funnel" in text and "No screener" in text
    assert reverse("link_create", args=[study.pk]) not in text  # viewers read only


# Share links.


def test_a_designer_adds_a_link_with_quota_closing_date_and_panel_redirect(designer_client, study):
    closes = (timezone.now() + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    response = designer_client.post(
        reverse("link_create", args=[study.pk]),
        {
            "name": "Prolific",
            "quota": "40",
            "closes_at": closes,
            "completion_code": "C0DE",
            "completion_redirect_url": "https://app.prolific.com/submissions/complete?cc=C0DE&p={pid}",
        },
    )
    assert response.status_code == 302
    link = ShareLink.objects.get(name="Prolific")
    assert link.quota == 40 and link.closes_at is not None
    assert link.settings.completion_redirect_url.endswith("p={pid}")
    page = designer_client.get(reverse("study_recruitment", args=[study.pk]))
    assert link.token in page.content.decode()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("javascript:alert(1)", "starting with https://"),
        ("ftp://panel.example/{pid}", "starting with https://"),
        ("https://panel.example/?id={participant}", "only placeholder"),
        ("panel.example", "starting with https://"),
    ],
)
def test_the_redirect_must_be_a_web_address(designer_client, study, url, message):
    response = designer_client.post(
        reverse("link_create", args=[study.pk]),
        {"name": "Panel", "completion_redirect_url": url},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ShareLink.objects.filter(name="Panel").exists()


def test_a_closing_date_in_the_past_is_refused(designer_client, study):
    past = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = designer_client.post(
        reverse("link_create", args=[study.pk]), {"name": "Late", "closes_at": past}
    )
    assert b"in the future" in response.content


def test_editing_a_link_keeps_its_token(designer_client, study):
    link = study.share_links.get()
    response = designer_client.post(
        reverse("link_edit", args=[link.pk]), {"name": "Newsletter", "quota": "10"}
    )
    assert response.status_code == 302
    edited = ShareLink.objects.get(pk=link.pk)
    assert (edited.name, edited.quota, edited.token) == ("Newsletter", 10, link.token)
    assert LinkSettings.objects.get(link=link).completion_redirect_url == ""


def test_a_revoked_link_takes_nobody_new(client, designer_client, study):
    link = study.share_links.get()
    response = designer_client.post(reverse("link_revoke", args=[link.pk]))
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.revoked_at is not None
    assert client.get(link.get_absolute_url()).status_code == 410


def test_a_full_link_shows_a_friendly_page(client, study):
    link = study.share_links.get()
    link.quota = 1
    link.save()
    factories.SessionFactory(study=study, share_link=link, state=State.COMPLETED)
    page = client.get(link.get_absolute_url())
    assert page.status_code == 200
    assert b"Enough people have already taken part through this link" in page.content


# Screener and segments.


def test_a_designer_adds_a_screener_question_with_a_rule(designer_client, study):
    response = designer_client.post(
        reverse("screener_create", args=[study.pk]),
        {
            "text": "Which do you use?",
            "kind": "multiple",
            "choices_text": "iPhone\nAndroid\nNeither",
            "rule": "must_not_be",
            "rule_choices_text": "Neither",
        },
    )
    assert response.status_code == 302
    question = ScreenerQuestion.objects.get()
    assert question.choices == ["iPhone", "Android", "Neither"]
    assert question.rule_choices == ["Neither"]
    page = designer_client.get(reverse("study_recruitment", args=[study.pk]))
    assert "Screened out when choosing “Neither”." in page.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "single", "choices_text": "A\nB", "rule": "range"}, "A range applies"),
        ({"kind": "single", "choices_text": "A", "rule": "any"}, "at least two answers"),
        ({"kind": "single", "choices_text": "A\nB", "rule": "must_be"}, "Name the answers"),
        (
            {"kind": "single", "choices_text": "A\nB", "rule": "must_be", "rule_choices_text": "C"},
            "Not among the answers",
        ),
        (
            {
                "kind": "single",
                "choices_text": "A\nB",
                "rule": "must_be",
                "rule_choices_text": "A\nB",
            },
            "names every answer",
        ),
        ({"kind": "number", "rule": "must_be"}, "choose a range"),
        ({"kind": "number", "rule": "range"}, "the lowest answer taken"),
        ({"kind": "number", "rule": "range", "minimum": "65", "maximum": "18"}, "not be below"),
    ],
)
def test_a_screener_question_that_makes_no_sense_is_refused(designer_client, study, data, message):
    response = designer_client.post(
        reverse("screener_create", args=[study.pk]), {"text": "Question?", **data}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ScreenerQuestion.objects.exists()


def test_a_designer_adds_a_segment_quota(designer_client, study):
    question = factories.ScreenerQuestionFactory(study=study)
    response = designer_client.post(
        reverse("segment_create", args=[study.pk]), {"answer": f"{question.pk}:1", "quota": "10"}
    )
    assert response.status_code == 302
    segment = Segment.objects.get()
    assert (segment.question, segment.value, segment.quota) == (question, "Returning customer", 10)
    twice = designer_client.post(
        reverse("segment_create", args=[study.pk]), {"answer": f"{question.pk}:1", "quota": "5"}
    )
    assert b"already has a segment" in twice.content


def test_a_segment_needs_a_single_choice_question(designer_client, study):
    response = designer_client.get(reverse("segment_create", args=[study.pk]))
    assert response.status_code == 302


def test_an_answer_a_segment_counts_cannot_be_removed(designer_client, study):
    segment = factories.SegmentFactory(question__study=study)
    response = designer_client.post(
        reverse("screener_edit", args=[segment.question_id]),
        {
            "text": "Customer?",
            "kind": "single",
            "choices_text": "Returning customer\nOther",
            "rule": "any",
        },
    )
    assert response.status_code == 200
    assert "delete the segment first" in response.content.decode()


def test_deleting_a_screener_question_deletes_its_segments(designer_client, study):
    segment = factories.SegmentFactory(question__study=study)
    designer_client.post(reverse("screener_delete", args=[segment.question_id]))
    assert not Segment.objects.exists() and not ScreenerQuestion.objects.exists()


# Quota settings.


def test_the_overall_quota_is_a_study_setting(designer_client, study):
    response = designer_client.post(
        reverse("recruitment_settings", args=[study.pk]),
        {
            "quota": "40",
            "reminder_after_days": "2",
            "invitation_subject": "Help us",
            "invitation_message": "Please.",
        },
    )
    assert response.status_code == 302
    recruitment = StudyRecruitment.objects.get(study=study)
    assert (recruitment.quota, recruitment.reminder_after_days) == (40, 2)


# The funnel.


def populate(study, count):
    links = list(study.share_links.all()) + [
        factories.ShareLinkFactory(study=study, name=f"Channel {count}")
    ]
    question = factories.ScreenerQuestionFactory(study=study, text=f"Q{count}")
    factories.SegmentFactory(question=question, study=study)
    for index in range(count):
        link = links[index % len(links)]
        session = factories.SessionFactory(
            study=study, share_link=link, state=[State.COMPLETED, State.SCREENED_OUT][index % 2]
        )
        Admission.objects.create(session=session, refusal="screener" if index % 2 else "")
        factories.StudyInvitationFactory(
            study=study, session=session, opened_at=timezone.now(), status="started"
        )


def test_the_funnel_counts_each_stage(client, viewer, study):
    populate(study, 4)
    factories.StudyInvitationFactory(study=study, status="sent")
    client.force_login(viewer)
    response = client.get(reverse("recruitment_funnel", args=[study.pk]))
    assert response.status_code == 200
    stages = re.findall(r'class="stage-(\w+)">\s*<strong>(\d+)</strong>', response.content.decode())
    assert stages == [
        ("invited", "5"),
        ("opened", "4"),
        ("started", "4"),
        ("screened_out", "2"),
        ("unfinished", "0"),
        ("completed", "2"),
    ]
    assert 'hx-trigger="every 5s"' in response.content.decode()


def test_the_funnel_takes_the_same_queries_however_many_participants(
    client, viewer, study, django_assert_num_queries
):
    client.force_login(viewer)
    url = reverse("recruitment_funnel", args=[study.pk])
    populate(study, 2)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    populate(study, 30)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(url)


# Inviting from the panel.


def test_inviting_a_filtered_selection_from_the_panel(
    designer_client, study, workspace, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    factories.ContactFactory(workspace=workspace, email="pro@x.com", attributes={"plan": "pro"})
    factories.ContactFactory(workspace=workspace, email="free@x.com", attributes={"plan": "free"})
    listing = designer_client.get(reverse("contact_list"), {"filters": "plan=pro"})
    assert b"pro@x.com" in listing.content and b"free@x.com" not in listing.content
    preview = designer_client.get(
        reverse("contact_invite"), {"filters": "plan=pro", "study": study.pk}
    )
    assert preview.context["plan"].contacts[0].email == "pro@x.com"
    assert b"Send 1 invitation" in preview.content
    assert not StudyInvitation.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        sent = designer_client.post(
            reverse("contact_invite"), {"filters": "plan=pro", "study": study.pk}
        )
    assert sent["Location"] == reverse("study_invitation_list", args=[study.pk])
    assert [message.to for message in mail.outbox] == [["pro@x.com"]]
    listing = designer_client.get(sent["Location"])
    assert b"pro@x.com" in listing.content and b"Sent" in listing.content


def test_inviting_only_the_ticked_contacts(designer_client, study, workspace):
    ada = factories.ContactFactory(workspace=workspace, email="ada@x.com")
    factories.ContactFactory(workspace=workspace, email="bob@x.com")
    designer_client.post(reverse("contact_invite"), {"contact": [ada.pk], "study": study.pk})
    assert list(StudyInvitation.objects.values_list("contact__email", flat=True)) == ["ada@x.com"]


def test_only_live_studies_of_the_workspace_can_be_chosen(designer_client, workspace):
    draft = factories.StudyFactory(workspace=workspace)
    other = factories.StudyFactory(state=Study.State.LIVE)
    factories.ContactFactory(workspace=workspace)
    for study in (draft, other):
        response = designer_client.post(reverse("contact_invite"), {"study": study.pk})
        assert response.status_code == 200
        assert b"live studies" in response.content
    assert not StudyInvitation.objects.exists()


def test_the_contact_page_lists_invitations(designer_client, study, workspace):
    invitation = factories.StudyInvitationFactory(study=study, status="bounced", error="554 No")
    page = designer_client.get(reverse("contact_detail", args=[invitation.contact_id]))
    assert b"Refused by the mail server" in page.content and b"554 No" in page.content


def test_contacts_of_another_workspace_are_not_found(designer_client):
    elsewhere = factories.ContactFactory()
    response = designer_client.get(reverse("contact_detail", args=[elsewhere.pk]))
    assert response.status_code == 404
    assert Contact.objects.count() == 1


def test_the_contact_list_takes_the_same_queries_however_many_contacts(
    designer_client, workspace, django_assert_num_queries
):
    for index in range(3):
        factories.ContactFactory(workspace=workspace, attributes={"n": str(index)})
    designer_client.get(reverse("contact_list"))
    with CaptureQueriesContext(connection) as few:
        designer_client.get(reverse("contact_list"))
    for index in range(40):
        factories.ContactFactory(workspace=workspace, attributes={"n": str(index)})
    with django_assert_num_queries(len(few.captured_queries)):
        designer_client.get(reverse("contact_list"))


# Consent.


def test_the_consent_history_shows_each_version_agreed_to(client, viewer, study):
    link = study.share_links.get()
    admission.start_participant(link)
    study.consent_text = "Version two words."
    study.consent_version = 2
    study.save()
    admission.start_participant(link)
    admission.start_participant(link)
    client.force_login(viewer)
    page = client.get(reverse("consent_history", args=[study.pk])).content.decode()
    assert "Version two words." in page and "Version 1" in page
    assert "2 participants" in page and "1 participant" in page
