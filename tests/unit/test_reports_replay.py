"""Session replay: a session's events, screens, answers and comments as the replay plays them,
and the page that plays them, reachable from every attempt in the results."""

import json
import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from prototypes.authoring.script_demo import create_demo_assistant
from prototypes.player import ingestion
from prototypes.reports.replay import IDLE_CAP_MS, replay_data, session_table
from prototypes.studies import participants
from prototypes.studies.models import Question
from tests import factories


@pytest.fixture
def study(workspace):
    version = factories.published_shop_version(workspace)
    study = factories.StudyFactory(workspace=workspace, prototype_version=version)
    screens = {screen.name: screen for screen in version.screens.all()}
    task = factories.TaskFactory(study=study, start_screen=screens["Home"])
    task.goal_screens.set([screens["Orders"]])
    factories.QuestionFactory(study=study, kind=Question.Kind.OPEN, text="What would you change?")
    return study


def event(type, t_ms, **fields):
    return {"id": str(uuid.uuid4()), "type": type, "t_ms": t_ms, **fields}


def recorded_session(study):
    task = study.tasks.get()
    screens = {screen.name: screen for screen in study.prototype_version.screens.all()}
    home, account, orders = screens["Home"], screens["Account"], screens["Orders"]
    to_account = home.hotspots.get(target=account)
    to_orders = account.hotspots.get(target=orders)
    question = study.questions.get()
    session = participants.start_session(study, participant_id="P-7")
    ingestion.ingest_events(
        session.token,
        [
            event("task_start", 4000, task=task.pk, screen=home.pk),
            event("misclick", 6500, task=task.pk, screen=home.pk, x=0.9, y=0.1),
            event(
                "click", 9000, task=task.pk, screen=home.pk, hotspot=to_account.pk, x=0.25, y=0.4
            ),
            event("navigate", 9000, task=task.pk, screen=account.pk),
            event(
                "comment",
                20000,
                task=task.pk,
                screen=account.pk,
                x=0.5,
                y=0.75,
                data={"text": "Where are my orders?"},
            ),
            event(
                "click", 21000, task=task.pk, screen=account.pk, hotspot=to_orders.pk, x=0.6, y=0.3
            ),
            event("navigate", 21000, task=task.pk, screen=orders.pk),
            event("task_end", 21000, task=task.pk, screen=orders.pk, data={"reason": "goal"}),
            event("answer", 25000, task=task.pk, data={"seq": 6}),
            event("answer", 40000, data={"question": question.pk, "value": "Bigger buttons"}),
            event("session_end", 41000),
        ],
    )
    return session


def test_the_replay_holds_every_event_in_order_with_its_screen(study):
    session = recorded_session(study)
    data = replay_data(session)
    assert data["duration_ms"] == 41000
    assert data["idle_cap_ms"] == IDLE_CAP_MS
    assert data["scripted"] is False
    types = [item["type"] for item in data["events"]]
    assert types == [
        "task_start",
        "misclick",
        "click",
        "navigate",
        "comment",
        "click",
        "navigate",
        "task_end",
        "answer",
        "answer",
        "session_end",
    ]
    times = [item["t"] for item in data["events"]]
    assert times == sorted(times)
    clicks = [item for item in data["events"] if item["type"] in ("click", "misclick")]
    assert [(item["x"], item["y"]) for item in clicks] == [(0.9, 0.1), (0.25, 0.4), (0.6, 0.3)]
    assert clicks[1]["label"] and "label" not in clicks[0]
    names = {data["screens"][str(item["screen"])]["name"] for item in clicks}
    assert names == {"Home", "Account"}
    home = next(screen for screen in data["screens"].values() if screen["name"] == "Home")
    assert home["image"].startswith("/media/") and home["width"] and home["height"]
    comment = next(item for item in data["events"] if item["type"] == "comment")
    assert comment["text"] == "Where are my orders?"
    answers = [item["answer"] for item in data["events"] if item["type"] == "answer"]
    assert answers == [
        "Ease of the task (SEQ, 1–7): 6",
        "What would you change?: Bigger buttons",
    ]
    task = data["tasks"][str(study.tasks.get().pk)]
    assert task["number"] == 1 and task["outcome"] == "Direct success"


def test_the_replay_page_embeds_the_data_without_inline_scripts_or_styles(client, study, viewer):
    session = recorded_session(study)
    client.force_login(viewer)
    response = client.get(reverse("session_replay", args=[session.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    embedded = re.search(r'<script id="replay-data" type="application/json">(.*?)</script>', page)
    assert json.loads(embedded.group(1))["session"] == session.pk
    assert "replay.js" in page
    assert ' style="' not in page and "<style" not in page
    assert not re.search(r"<script(?![^>]*(src=|application/json))", page)
    # Viewers watch; only designers may leave a session out.
    assert reverse("session_exclude", args=[session.pk]) not in page


def test_outsiders_cannot_watch(client, study, outsider):
    session = recorded_session(study)
    client.force_login(outsider)
    assert client.get(reverse("session_replay", args=[session.pk])).status_code == 404


def test_the_replay_offers_the_flags_as_the_reason_to_leave_out(client, study, designer):
    session = recorded_session(study)
    task = study.tasks.get()
    idle = participants.start_session(study)
    ingestion.ingest_events(
        idle.token,
        [
            event("task_start", 1000, task=task.pk, screen=task.start_screen_id),
            event("task_end", 2000, task=task.pk, data={"reason": "gave_up"}),
            event("session_end", 3000),
        ],
    )
    client.force_login(designer)
    page = client.get(reverse("session_replay", args=[idle.pk])).content.decode()
    assert "No interaction: no click, text or answer in any task" in page
    assert reverse("session_exclude", args=[idle.pk]) in page
    response = client.post(
        reverse("session_exclude", args=[idle.pk]), {"reason": "Did nothing", "next": "replay"}
    )
    assert response["Location"] == reverse("session_replay", args=[idle.pk])
    page = client.get(reverse("session_replay", args=[session.pk])).content.decode()
    assert "flagged" not in page


def test_every_attempt_in_the_results_links_to_its_replay(client, study, viewer):
    session = recorded_session(study)
    task = study.tasks.get()
    client.force_login(viewer)
    page = client.get(reverse("study_results", args=[study.pk])).content.decode()
    assert f"{reverse('session_replay', args=[session.pk])}#task-{task.pk}" in page
    assert "Direct success" in page


def test_the_sessions_table_is_paged_in_the_same_queries_whatever_the_study(study):
    task = study.tasks.get()
    for _ in range(3):
        factories.TaskAttemptFactory(session=factories.SessionFactory(study=study), task=task)

    def count():
        with CaptureQueriesContext(connection) as queries:
            page = session_table(study, [task], "1")
            rows = page.rows
        return len(queries), rows

    few, rows = count()
    assert len(rows) == 3 and all(row.cells[0].outcome == "direct" for row in rows)
    for _ in range(30):
        factories.TaskAttemptFactory(session=factories.SessionFactory(study=study), task=task)
    many, rows = count()
    assert many == few
    assert len(rows) == 25
    assert session_table(study, [task], "2").rows[-1].cells[0].seconds == 20


def test_the_results_page_takes_the_same_queries_for_more_sessions(client, study, viewer):
    recorded_session(study)
    client.force_login(viewer)
    url = reverse("study_results", args=[study.pk])

    def count():
        # The first load queues the heatmaps of new clicks; count the next one.
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    few = count()
    for _ in range(6):
        recorded_session(study)
    assert count() == few


def test_a_scripted_session_replays_its_steps(client, workspace, owner):
    version = create_demo_assistant(workspace, owner)
    study = factories.StudyFactory(workspace=workspace, prototype_version=version)
    screens = list(version.screens.order_by("position"))
    start = screens[0]
    hotspot = start.hotspots.exclude(target=None).first()
    task = factories.TaskFactory(study=study, start_screen=start)
    task.goal_screens.set([hotspot.target])
    session = participants.start_session(study)
    ingestion.ingest_events(
        session.token,
        [
            event("task_start", 1000, task=task.pk, screen=start.pk),
            event("click", 3000, task=task.pk, screen=start.pk, hotspot=hotspot.pk, x=0.5, y=0.8),
            event("navigate", 3000, task=task.pk, screen=hotspot.target_id),
        ],
    )
    data = replay_data(session)
    assert data["scripted"] is True
    assert data["screens"][str(start.pk)]["step"] == start.step
    client.force_login(owner)
    page = client.get(reverse("session_replay", args=[session.pk])).content.decode()
    assert f'data-step="{start.step}"' in page
    assert f'data-step="{hotspot.target.step}"' in page
    assert "sketchy.css" in page
