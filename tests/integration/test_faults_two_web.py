"""Two web processes (two gunicorns, as two machines behind a load balancer) serve one study.

Participants are split between them, and each participant's own batches alternate between
both, one batch even arriving at both as a retry would. The report, read from either process,
counts exactly what was sent.
"""

import itertools
import json
import threading

import pytest
import requests
from django.urls import reverse

from prototypes.models import Event, ParticipantSession
from tests import factories
from tests.integration.services import designer_session
from tests.unit.test_player_support import (
    build_player_study,
    click,
    event,
    misclick,
    navigate,
    task_end,
    task_start,
)

pytest_plugins = ["tests.integration.conftest_faults"]
pytestmark = pytest.mark.integration

PARTICIPANTS = 9
CHOICES = ["Yes", "No", "Not sure"]


def participant_batches(setup, number):
    """Participant `number`'s events in batches of three: task 1 done directly, after a
    misclick, or given up (by number % 3), task 2 done, an answer, the end."""
    times = itertools.count(1000, 900)
    second = setup.second_task
    events = [task_start(setup, next(times))]
    if number % 3 == 1:
        events.append(misclick(setup, "Home", next(times)))
    if number % 3 == 2:
        events.append(task_end(setup, next(times), "gave_up", screen="Home"))
    else:
        t = next(times)
        events += [click(setup, "orders", t), navigate(setup, "Orders", t)]
        t = next(times)
        events += [click(setup, "order", t), navigate(setup, "Order detail", t)]
        events.append(task_end(setup, t, "goal"))
    events.append(task_start(setup, next(times), task=second))
    t = next(times)
    events += [
        click(setup, "profile", t, task=second),
        navigate(setup, "Profile", t, task=second),
        task_end(setup, t, "goal", screen="Profile", task=second),
    ]
    question = setup.questions["single"]
    events.append(
        event(
            "answer",
            next(times),
            data={"question": question.pk, "value": CHOICES[number % len(CHOICES)]},
        )
    )
    events.append(event("session_end", next(times)))
    return [events[index : index + 3] for index in range(0, len(events), 3)]


def post(web, path, body):
    return requests.post(
        web.url + path,
        data=json.dumps(body),
        headers={"Content-Type": "application/json"},
        timeout=30,
    )


def take_part(webs, setup, number, results):
    response = post(
        webs[number % 2], reverse("api_session_start", args=[setup.link.token]), {"consent": True}
    )
    assert response.status_code == 201, response.text
    path = reverse("api_events", args=[response.json()["session_token"]])
    sent = stored = 0
    statuses = []
    for index, batch in enumerate(participant_batches(setup, number)):
        answer = post(webs[(number + index) % 2], path, {"events": batch})
        statuses.append(answer.status_code)
        sent += len(batch)
        stored += answer.json().get("stored", 0)
        if number == 0 and index == 1:
            # The answer was lost on the way back: the player sends the batch again, and this
            # time the load balancer picks the other process.
            again = post(webs[(number + index + 1) % 2], path, {"events": batch})
            statuses.append(again.status_code)
            assert again.json() == {"stored": 0, "duplicates": len(batch)}
    results[number] = {"sent": sent, "stored": stored, "statuses": statuses}


def test_two_web_processes_serving_one_study_give_whole_results(stack, designer):
    setup = build_player_study()
    factories.MembershipFactory(workspace=setup.study.workspace, user=designer, role="viewer")
    webs = [stack.web(workers=2), stack.web(workers=2)]
    results = {}

    threads = [
        threading.Thread(target=take_part, args=(webs, setup, number, results))
        for number in range(PARTICIPANTS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == PARTICIPANTS
    assert {status for result in results.values() for status in result["statuses"]} == {200}
    sent = sum(result["sent"] for result in results.values())
    assert sum(result["stored"] for result in results.values()) == sent
    assert Event.objects.filter(session__study=setup.study).count() == sent
    assert ParticipantSession.objects.filter(study=setup.study).count() == PARTICIPANTS

    session = designer_session(designer)
    path = reverse("api_report", args=[setup.study.pk])
    reports = [session.get(web.url + path, timeout=60).json() for web in webs]
    assert reports[0] == reports[1]
    report = reports[0]
    assert report["participants"]["started"] == PARTICIPANTS
    assert report["participants"]["completed"] == PARTICIPANTS
    first, second = report["tasks"]
    gave_up = len([n for n in range(PARTICIPANTS) if n % 3 == 2])
    misclicked = len([n for n in range(PARTICIPANTS) if n % 3 == 1])
    assert first["attempts"] == PARTICIPANTS
    assert first["completion"]["successes"] == PARTICIPANTS - gave_up
    assert first["gave_up_rate"] == pytest.approx(gave_up / PARTICIPANTS, abs=1e-4)
    assert first["misclick"]["successes"] == misclicked
    assert first["misclick"]["trials"] == misclicked + 2 * (PARTICIPANTS - gave_up)
    assert second["completion"]["successes"] == PARTICIPANTS
    single = next(q for q in report["questions"] if q["id"] == setup.questions["single"].pk)
    assert single["respondents"] == PARTICIPANTS
    assert {choice["choice"]: choice["count"] for choice in single["choices"]} == {
        choice: PARTICIPANTS // len(CHOICES) for choice in CHOICES
    }
