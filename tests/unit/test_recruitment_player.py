"""Recruitment through the participant's player: the screener with the consent, invitations,
quotas counted when the session ends, and the way back to an external panel."""

import json
import re

import pytest
from django.urls import reverse

from prototypes.recruitment import panel
from prototypes.recruitment.models import (
    Admission,
    LinkSettings,
    ScreenerQuestion,
    StudyInvitation,
    StudyRecruitment,
)
from prototypes.sessions.models import ParticipantSession
from prototypes.studies.models import Study
from tests import factories
from tests.unit.test_player_support import build_player_study, event, post_events

pytestmark = pytest.mark.django_db
State = ParticipantSession.State
Rule = ScreenerQuestion.Rule


@pytest.fixture
def setup():
    return build_player_study()


@pytest.fixture
def screener(setup):
    """Returning customers only, between 18 and 99, counted in two segments of one each."""
    customer = factories.ScreenerQuestionFactory(
        study=setup.study,
        position=0,
        rule=Rule.MUST_BE,
        rule_choices=["Returning customer"],
        choices=["New customer", "Returning customer", "Loyal customer"],
    )
    age = factories.ScreenerQuestionFactory(
        study=setup.study,
        position=1,
        text="How old are you?",
        kind=ScreenerQuestion.Kind.NUMBER,
        choices=[],
        rule=Rule.RANGE,
        minimum=18,
        maximum=99,
    )
    factories.SegmentFactory(
        question=customer, study=setup.study, value="Returning customer", quota=1
    )
    return customer, age


def start(client, token, **body):
    return client.post(
        reverse("api_session_start", args=[token]),
        json.dumps({"consent": True, **body}),
        content_type="application/json",
    )


def answers(screener, customer="Returning customer", age="34"):
    return {str(screener[0].pk): customer, str(screener[1].pk): age}


def finish(client, session_token):
    return post_events(client, session_token, [event("session_end", t_ms=90_000)])


# The page.


def test_the_player_asks_the_screener_with_the_consent(client, setup, screener):
    html = client.get(reverse("player_start", args=[setup.link.token])).content.decode()
    consent_form = html[html.index('data-slot="consent-form"') :]
    consent_form = consent_form[: consent_form.index("</form>")]
    assert "Have you ordered from us before?" in consent_form
    assert f'name="screener-{screener[0].pk}" value="Loyal customer"' in consent_form
    assert f'type="number" step="any" inputmode="decimal" name="screener-{screener[1].pk}"' in (
        consent_form
    )
    # The rule stays on the server: no hint of who takes part.
    assert "18" not in consent_form and "must" not in consent_form.lower()
    assert 'data-consent-version="1"' in html


def test_a_study_without_a_screener_asks_nothing_more(client, setup):
    html = client.get(reverse("player_start", args=[setup.link.token])).content.decode()
    assert 'data-slot="screener"' not in html


# Starting.


def test_a_participant_passing_the_screener_starts(client, setup, screener):
    response = start(client, setup.link.token, screener=answers(screener), consent_version=1)
    assert response.status_code == 201
    session = ParticipantSession.objects.get(token=response.json()["session_token"])
    assert session.state == State.ACTIVE
    assert session.admission.segment.value == "Returning customer"


@pytest.mark.parametrize("given", [{"customer": "New customer"}, {"age": "16"}, {"age": "120"}])
def test_a_participant_failing_the_screener_is_thanked_and_takes_no_tasks(
    client, setup, screener, given
):
    response = start(client, setup.link.token, screener=answers(screener, **given))
    body = response.json()
    assert body["admitted"] is False
    assert "different profile" in body["message"]
    assert "tasks" not in body
    session = ParticipantSession.objects.get()
    assert session.state == State.SCREENED_OUT
    assert session.admission.refusal == Admission.Refusal.SCREENER


def test_the_screened_out_message_is_in_the_study_language(client, screener, setup):
    Study.objects.filter(pk=setup.study.pk).update(language="fr")
    response = start(client, setup.link.token, screener=answers(screener, customer="New customer"))
    assert response.json()["message"] != (
        "Thank you for your interest! This study is looking for people with a different "
        "profile, so you will not take part this time. You can close this page."
    )


def test_a_full_segment_thanks_more_people_giving_its_answer(client, setup, screener):
    first = start(client, setup.link.token, screener=answers(screener)).json()["session_token"]
    assert finish(client, first).status_code == 200
    response = start(client, setup.link.token, screener=answers(screener))
    assert response.json()["admitted"] is False
    assert "enough participants like you" in response.json()["message"]


def test_missing_screener_answers_are_refused_and_store_nothing(client, setup, screener):
    response = start(client, setup.link.token, screener={str(screener[0].pk): "Returning customer"})
    assert response.status_code == 400
    assert str(screener[1].pk) in response.json()["errors"]
    response = start(client, setup.link.token, screener="yes")
    assert response.status_code == 400
    assert not ParticipantSession.objects.exists()


def test_consent_to_an_outdated_text_asks_to_read_it_again(client, setup):
    Study.objects.filter(pk=setup.study.pk).update(consent_version=2, consent_text="New text.")
    response = start(client, setup.link.token, consent_version=1)
    assert response.status_code == 409
    assert response.json()["code"] == "consent_changed"
    assert start(client, setup.link.token, consent_version=2).status_code == 201


def test_a_malformed_or_unknown_invitation_is_refused(client, setup):
    assert start(client, setup.link.token, invitation=["x"]).status_code == 400
    assert start(client, setup.link.token, invitation="unknown").status_code == 404
    assert not ParticipantSession.objects.exists()


# Invitations, end to end.


def test_a_personal_invitation_runs_from_the_email_to_completed(client, setup):
    invitation = factories.StudyInvitationFactory(study=setup.study, status="sent")
    panel.invitation_link(setup.study)
    opened = client.get(reverse("invitation_open", args=[invitation.token]))
    player_url = opened["Location"]
    html = client.get(player_url).content.decode()
    assert f'data-invitation="{invitation.token}"' in html
    link_token = re.search(r"/s/([^/]+)/", player_url).group(1)
    response = start(client, link_token, invitation=invitation.token)
    assert response.status_code == 201
    invitation.refresh_from_db()
    assert invitation.status == StudyInvitation.Status.STARTED
    assert finish(client, response.json()["session_token"]).status_code == 200
    invitation.refresh_from_db()
    assert invitation.status == StudyInvitation.Status.COMPLETED
    # The personal link works once.
    again = start(client, link_token, invitation=invitation.token)
    assert again.status_code == 409


# Finishing.


def test_finishing_past_the_study_quota_is_not_counted_and_closes_nothing_twice(client, setup):
    StudyRecruitment.objects.create(study=setup.study, quota=1)
    first = start(client, setup.link.token).json()["session_token"]
    late = start(client, setup.link.token).json()["session_token"]
    assert finish(client, first).status_code == 200
    setup.study.refresh_from_db()
    assert setup.study.state == Study.State.CLOSED
    assert finish(client, late).status_code == 200
    assert ParticipantSession.objects.get(token=late).state == State.SCREENED_OUT
    assert ParticipantSession.objects.filter(state=State.COMPLETED).count() == 1


def test_the_thank_you_page_sends_the_participant_back_to_their_panel(client, setup):
    LinkSettings.objects.create(
        link=setup.link,
        completion_code="CODE-7",
        completion_redirect_url="https://panel.example/complete?pid={pid}",
    )
    token = start(client, setup.link.token, participant_id="PANEL 42").json()["session_token"]
    finish(client, token)
    state = client.get(reverse("api_session_state", args=[token])).json()["session"]
    assert state["completion"] == {
        "code": "CODE-7",
        "redirect_url": "https://panel.example/complete?pid=PANEL%2042",
    }
