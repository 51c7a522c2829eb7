"""The participant's pages and the session API: who may start, what the player is told, and
the study's language throughout."""

import json
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from prototypes.models import ParticipantSession, Study
from prototypes.player import api
from prototypes.ratelimit import Limit
from prototypes.studies import sus
from tests import factories
from tests.unit.test_player_support import build_player_study, event, new_session, post_events

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    return build_player_study()


def start(client, token, body=None, **extra):
    return client.post(
        reverse("api_session_start", args=[token]),
        json.dumps({"consent": True} if body is None else body),
        content_type="application/json",
        **extra,
    )


# The page -------------------------------------------------------------------------------------


def test_the_player_page_opens_without_an_account(client, setup):
    response = client.get(reverse("player_start", args=[setup.link.token]))

    assert response.status_code == 200
    html = response.content.decode()
    assert setup.study.title in html
    assert setup.study.consent_text in html
    assert "I have read this and I agree." in html
    assert reverse("api_session_start", args=[setup.link.token]) in html
    assert 'lang="en"' in html
    assert "Log in" not in html  # no designer navigation for participants


def test_the_page_has_no_inline_script_and_only_its_stylesheets_under_the_nonce(client, setup):
    response = client.get(reverse("player_start", args=[setup.link.token]))
    html = response.content.decode()

    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts, "the player's scripts are missing"
    for attributes in scripts:
        assert "src=" in attributes or 'type="application/json"' in attributes
    assert "style=" not in html
    # The stylesheets, carried in the page (prototypes/player/stylesheets.py).
    styles = re.findall(r"<style([^>]*)>", html)
    assert len(styles) == 1
    nonce = re.fullmatch(r' nonce="([^"]+)"', styles[0]).group(1)
    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]


def test_the_page_passes_on_the_participant_id(client, setup):
    url = reverse("player_start", args=[setup.link.token]) + "?pid=PROLIFIC-123%22%3E"
    html = client.get(url).content.decode()

    assert 'data-participant-id="PROLIFIC-123&quot;&gt;"' in html


def test_a_french_study_speaks_french(client):
    setup = build_player_study(language="fr")

    response = client.get(reverse("player_start", args=[setup.link.token]))

    html = response.content.decode()
    assert 'lang="fr"' in html
    assert response["Content-Language"] == "fr"
    assert "J’ai lu ce texte et je suis d’accord." in html
    assert "Abandonner" in html
    strings = json.loads(re.search(r'id="player-strings"[^>]*>(.*?)</script>', html).group(1))
    assert strings["task_of"] == "Tâche %(number)s sur %(count)s"


def player_strings_of(client, setup):
    html = client.get(reverse("player_start", args=[setup.link.token])).content.decode()
    return html, json.loads(re.search(r'id="player-strings"[^>]*>(.*?)</script>', html).group(1))


@pytest.mark.parametrize(
    ("language", "done", "show_task"),
    [("en", "I'm done", "Show task"), ("fr", "J’ai terminé", "Voir la tâche")],
)
def test_each_kind_of_task_is_explained_with_only_the_buttons_it_has(
    client, language, done, show_task
):
    html, strings = player_strings_of(client, build_player_study(language=language))
    how_to = strings["how_to"]
    assert set(how_to) == {"clickthrough", "first_click", "five_second", "preference"}
    assert done in how_to["clickthrough"] and show_task in how_to["clickthrough"]
    for kind in ("first_click", "five_second", "preference"):
        assert done not in how_to[kind] and show_task not in how_to[kind], kind
    assert "%(seconds)s" in how_to["five_second"]
    # The page itself no longer tells every task to press "I'm done": the script picks the text.
    assert 'data-slot="how-to"></p>' in html
    if language == "fr":
        assert "premier clic" in how_to["first_click"]
        assert "secondes seulement" in how_to["five_second"]
        assert "choisissez" in how_to["preference"]


@pytest.mark.parametrize(
    ("state", "text"),
    [
        (Study.State.CLOSED, "The study has ended."),
        (Study.State.PAUSED, "The study is paused for now."),
        (Study.State.DRAFT, "The study has not started yet."),
    ],
)
def test_a_study_not_live_shows_a_friendly_page(client, state, text):
    setup = build_player_study(state=state)

    response = client.get(reverse("player_start", args=[setup.link.token]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "This study is not accepting participants" in html
    assert text in html
    assert "data-start-url" not in html


def test_a_closed_french_study_says_so_in_french(client):
    setup = build_player_study(state=Study.State.CLOSED, language="fr")

    html = client.get(reverse("player_start", args=[setup.link.token])).content.decode()

    assert "Cette étude n’accepte pas de participants" in html


def test_a_revoked_link_shows_the_not_accepting_page(client, setup):
    setup.link.revoked_at = timezone.now()
    setup.link.save()

    response = client.get(reverse("player_start", args=[setup.link.token]))

    assert response.status_code == 410
    assert "This study is not accepting participants" in response.content.decode()


def test_an_expired_or_full_link_shows_the_not_accepting_page(client, setup):
    setup.link.closes_at = timezone.now() - timedelta(minutes=1)
    setup.link.save()
    assert "not accepting" in client.get(f"/s/{setup.link.token}/").content.decode()

    full = factories.ShareLinkFactory(study=setup.study, quota=1)
    factories.SessionFactory(
        study=setup.study, share_link=full, state=ParticipantSession.State.COMPLETED
    )
    html = client.get(f"/s/{full.token}/").content.decode()
    assert "Enough people have already taken part" in html


def test_an_unknown_link_is_404_with_a_helpful_page(client, db):
    response = client.get(reverse("player_start", args=["no-such-link"]))

    assert response.status_code == 404
    assert "This link does not lead to a study" in response.content.decode()


# Starting a session ---------------------------------------------------------------------------


def test_starting_a_session_records_consent_and_returns_the_study(client, setup):
    response = start(
        client,
        setup.link.token,
        {"consent": True, "participant_id": "P-42"},
        HTTP_USER_AGENT="Phone",
    )

    assert response.status_code == 201
    data = response.json()
    session = ParticipantSession.objects.get(token=data["session_token"])
    assert session.study == setup.study
    assert session.share_link == setup.link
    assert session.revision == setup.study.revision
    assert session.consent_version == setup.study.consent_version
    assert session.consented_at is not None
    assert session.external_participant_id == "P-42"
    assert session.user_agent == "Phone"
    assert session.language == "en"

    assert data["study"]["title"] == setup.study.title
    assert data["study"]["aspect_ratio"] == pytest.approx(390 / 844)
    assert data["study"]["show_hotspots_after_misclick"] is False
    task = data["tasks"][0]
    assert task == {
        "id": setup.task.pk,
        "number": 1,
        "instruction": setup.task.instruction,
        "start_screen": setup.screens["Home"].pk,
        "goal_screens": [setup.screens["Order detail"].pk],
        "time_limit_seconds": 120,
        "ask_seq": True,
        "kind": "clickthrough",
        "questions": [],
    }
    home = next(s for s in data["screens"] if s["id"] == setup.screens["Home"].pk)
    assert home["name"] == "Home"
    assert home["image_url"].startswith("/media/")
    assert (home["width"], home["height"]) == (390, 844)
    orders = setup.hotspots["orders"]
    assert home["hotspots"][0] == {
        "id": orders.pk,
        "label": "My orders",
        "x": orders.x,
        "y": orders.y,
        "width": orders.width,
        "height": orders.height,
        "action": "goto",
        "target": setup.screens["Orders"].pk,
    }
    kinds = [question["kind"] for question in data["questions"]]
    assert kinds == ["sus", "open", "single", "multiple", "rating"]
    sus_question = data["questions"][0]
    assert sus_question["items"] == sus.items("en")
    assert len(sus_question["items"]) == 10
    assert data["questions"][2]["choices"] == ["Yes", "No", "Not sure"]
    assert data["questions"][4]["scale_max"] == 10


def test_a_french_study_gets_the_validated_french_sus(client):
    setup = build_player_study(language="fr")

    data = start(client, setup.link.token).json()

    assert data["questions"][0]["items"][0] == "Je voudrais utiliser ce système fréquemment."
    assert ParticipantSession.objects.get().language == "fr"


def test_starting_costs_the_same_number_of_queries_however_large_the_study(client, setup):
    def queries_to_start():
        with CaptureQueriesContext(connection) as queries:
            assert start(client, setup.link.token).status_code == 201
        return len(queries)

    queries_to_start()  # the first start also keeps a copy of the consent text
    before = queries_to_start()
    version = setup.study.prototype_version
    for _ in range(5):
        screen = factories.ScreenFactory(version=version)
        factories.HotspotFactory(screen=screen, target=setup.screens["Home"])
        factories.QuestionFactory(study=setup.study)
        factories.TaskFactory(study=setup.study, start_screen=screen)

    assert queries_to_start() == before <= 16


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"consent": False},
        {"consent": "yes"},
        {"consent": True, "participant_id": 42},
        {"consent": True, "participant_id": "x" * 129},
        {"consent": True, "participant_id": "a\x00b"},
        [],
    ],
)
def test_no_session_without_consent_and_a_sane_body(client, setup, body):
    assert start(client, setup.link.token, body).status_code == 400
    assert ParticipantSession.objects.count() == 0


def test_a_malformed_start_body_is_400(client, setup):
    response = client.post(
        reverse("api_session_start", args=[setup.link.token]),
        '{"consent": NaN}',
        content_type="application/json",
    )

    assert response.status_code == 400


def test_unknown_and_revoked_links_are_404(client, setup):
    assert start(client, "nope").status_code == 404
    setup.link.revoked_at = timezone.now()
    setup.link.save()
    assert start(client, setup.link.token).status_code == 404
    assert ParticipantSession.objects.count() == 0


@pytest.mark.parametrize("state", [Study.State.DRAFT, Study.State.PAUSED, Study.State.CLOSED])
def test_a_study_not_live_is_409(client, state):
    setup = build_player_study(state=state)

    response = start(client, setup.link.token)

    assert response.status_code == 409
    assert "not accepting participants" in response.json()["error"]
    assert ParticipantSession.objects.count() == 0


def test_starting_sessions_is_rate_limited_per_address(
    client, setup, monkeypatch, rate_limit_clock
):
    monkeypatch.setattr(api, "SESSIONS_LIMIT", Limit("player-sessions-test", 2, 60))

    statuses = [start(client, setup.link.token).status_code for _ in range(3)]

    assert statuses == [201, 201, 429]


def test_starting_from_another_site_is_refused(client, setup):
    response = start(client, setup.link.token, HTTP_ORIGIN="https://evil.example")

    assert response.status_code == 403


# Resuming -------------------------------------------------------------------------------------


def test_the_state_endpoint_tells_where_the_session_stands(client, setup):
    session = new_session(setup)
    setup.study.completion_code = "C0DE42"
    setup.study.redirect_url = "https://panel.example/done"
    setup.study.save()
    url = reverse("api_session_state", args=[session.token])

    before = client.get(url).json()
    assert before["session"] == {"state": "active", "tasks_ended": [], "questions_answered": []}
    assert "completion" not in before["session"]  # the code is earned, not given
    assert [task["id"] for task in before["tasks"]] == [setup.task.pk, setup.second_task.pk]

    post_events(
        client,
        session,
        [
            event("task_start", 0, task=setup.task.pk, screen=setup.screens["Home"].pk),
            event("task_end", 10, task=setup.task.pk, data={"reason": "gave_up"}),
            event("answer", 20, data={"question": setup.questions["single"].pk, "value": "No"}),
            event("session_end", 30),
        ],
    )
    after = client.get(url).json()["session"]
    assert after["state"] == "completed"
    assert after["tasks_ended"] == [setup.task.pk]
    assert after["questions_answered"] == [setup.questions["single"].pk]
    assert after["completion"] == {"code": "C0DE42", "redirect_url": "https://panel.example/done"}


def test_the_state_of_an_unknown_session_is_404(client, db):
    assert client.get(reverse("api_session_state", args=["nope"])).status_code == 404


# Scripted prototypes --------------------------------------------------------------------------

SCRIPT = """title: Parcel

== start: Welcome
bot: Hi! How can I help?
> Where is my order? -> status
> Talk to a person -> handoff
? where, order -> status

== status: Order status [success]
bot: It arrives tomorrow.

== handoff: A person [failure]
bot: Please hold on.
"""


def build_scripted_study():
    from prototypes.authoring.script_publish import publish_script

    workspace = factories.WorkspaceFactory()
    prototype = factories.PrototypeFactory(workspace=workspace, kind="scripted")
    draft = prototype.draft
    draft.script = SCRIPT
    draft.save()
    version = publish_script(prototype)
    study = factories.StudyFactory(
        workspace=workspace, prototype_version=version, state=Study.State.LIVE
    )
    screens = {screen.step: screen for screen in version.screens.all()}
    task = factories.TaskFactory(study=study, start_screen=screens["start"])
    task.goal_screens.set([screens["status"]])
    return study, factories.ShareLinkFactory(study=study), screens, task


def test_a_scripted_prototype_is_played_by_the_flow_player(client, db):
    study, link, screens, task = build_scripted_study()

    html = client.get(reverse("player_start", args=[link.token])).content.decode()

    assert 'data-script-player="manual"' in html
    assert "prototypes/script-player.js" in html
    assert 'data-route-url="/scripts/route/SESSION/"' in html
    assert "Where is my order?" in html
    data = start(client, link.token).json()
    assert data["study"]["kind"] == "scripted"
    assert {screen["id"] for screen in data["screens"]} == {s.pk for s in screens.values()}
    assert all(screen["image_url"] is None for screen in data["screens"])


def test_events_of_a_scripted_flow_make_an_attempt(client, db):
    study, link, screens, task = build_scripted_study()
    session = ParticipantSession.objects.get(
        token=start(client, link.token).json()["session_token"]
    )
    choice = screens["start"].hotspots.get(label="Where is my order?")

    response = post_events(
        client,
        session,
        [
            event("task_start", 0, task=task.pk, screen=screens["start"].pk),
            event("text", 900, task=task.pk, screen=screens["start"].pk, data={"text": "hm"}),
            event(
                "click",
                1000,
                task=task.pk,
                screen=screens["start"].pk,
                hotspot=choice.pk,
                x=0.5,
                y=0.8,
            ),
            event("navigate", 1000, task=task.pk, screen=screens["status"].pk),
            event("task_end", 1000, task=task.pk, data={"reason": "goal"}),
        ],
    )

    assert response.json() == {"stored": 5, "duplicates": 0}
    attempt = session.attempts.get()
    assert (attempt.outcome, attempt.first_click_success) == ("direct", True)


# Recruitment: screener, consent version, quotas, completion ----------------------------------


def add_screener(study):
    from prototypes.recruitment.models import ScreenerQuestion

    return ScreenerQuestion.objects.create(
        study=study,
        text="How often do you shop online?",
        kind=ScreenerQuestion.Kind.SINGLE,
        choices=["Weekly", "Monthly", "Never"],
        rule=ScreenerQuestion.Rule.MUST_NOT_BE,
        rule_choices=["Never"],
    )


def test_the_screener_is_asked_with_the_consent(client, setup):
    add_screener(setup.study)

    html = client.get(reverse("player_start", args=[setup.link.token])).content.decode()

    assert "How often do you shop online?" in html
    assert 'data-consent-version="1"' in html


def test_a_participant_the_screener_turns_away_gets_no_tasks(client, setup):
    question = add_screener(setup.study)

    admitted = start(
        client, setup.link.token, {"consent": True, "screener": {question.pk: "Weekly"}}
    )
    refused = start(client, setup.link.token, {"consent": True, "screener": {question.pk: "Never"}})
    unanswered = start(client, setup.link.token, {"consent": True, "screener": {}})

    assert admitted.status_code == 201 and admitted.json()["admitted"] is True
    assert "tasks" in admitted.json()
    assert refused.status_code == 201
    assert refused.json()["admitted"] is False
    assert refused.json()["refusal"] == "screener"
    assert "different profile" in refused.json()["message"]
    assert "tasks" not in refused.json()
    session = ParticipantSession.objects.get(token=refused.json()["session_token"])
    assert session.state == ParticipantSession.State.SCREENED_OUT
    assert unanswered.status_code == 400
    assert unanswered.json()["code"] == "screener"


@pytest.mark.parametrize("screener", [[], {"1": [["x"]]}, {"1": {"a": 1}}, {"1": True}])
def test_a_malformed_screener_is_400(client, setup, screener):
    add_screener(setup.study)

    response = start(client, setup.link.token, {"consent": True, "screener": screener})

    assert response.status_code == 400
    assert ParticipantSession.objects.count() == 0


def test_consent_to_an_older_text_is_refused(client, setup):
    setup.study.consent_version = 2
    setup.study.save()

    response = start(client, setup.link.token, {"consent": True, "consent_version": 1})

    assert response.status_code == 409
    assert response.json()["code"] == "consent_changed"
    assert ParticipantSession.objects.count() == 0


def test_an_unknown_invitation_is_refused(client, setup):
    response = start(client, setup.link.token, {"consent": True, "invitation": "nope"})

    assert response.status_code == 404
    assert response.json()["code"] == "invitation"


def test_completing_the_last_place_closes_the_study(client, setup):
    from prototypes.recruitment.models import StudyRecruitment

    StudyRecruitment.objects.create(study=setup.study, quota=1)
    first, second = new_session(setup), new_session(setup)

    post_events(client, first, [event("session_end", 1000)])
    post_events(client, second, [event("session_end", 1000)])

    setup.study.refresh_from_db()
    assert setup.study.state == Study.State.CLOSED
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == ParticipantSession.State.COMPLETED
    assert second.state == ParticipantSession.State.SCREENED_OUT  # finished over quota
    # It did the work: its late batches still count.
    assert post_events(client, second, [event("session_end", 1001)]).status_code == 200


def test_a_session_the_screener_turned_away_takes_no_events(client, setup):
    question = add_screener(setup.study)
    turned_away = start(
        client, setup.link.token, {"consent": True, "screener": {question.pk: "Never"}}
    ).json()["session_token"]

    assert post_events(client, turned_away, [event("session_end", 5)]).status_code == 410


def test_the_link_s_completion_settings_win(client, setup):
    from prototypes.recruitment.models import LinkSettings

    LinkSettings.objects.create(
        link=setup.link,
        completion_code="LINK-CODE",
        completion_redirect_url="https://panel.example/done?id={pid}",
    )
    session = ParticipantSession.objects.get(
        token=start(client, setup.link.token, {"consent": True, "participant_id": "P 7"}).json()[
            "session_token"
        ]
    )
    post_events(client, session, [event("session_end", 10)])

    completion = client.get(reverse("api_session_state", args=[session.token])).json()
    assert completion["session"]["completion"] == {
        "code": "LINK-CODE",
        "redirect_url": "https://panel.example/done?id=P%207",
    }


def test_a_french_participant_turned_away_reads_why_in_french(client):
    setup = build_player_study(language="fr")
    question = add_screener(setup.study)

    refused = start(client, setup.link.token, {"consent": True, "screener": {question.pk: "Never"}})

    assert "recherche des personnes avec un autre profil" in refused.json()["message"]
