"""Redis stopped while participants are clicking and a designer uploads a screen.

The web side runs as gunicorn on the test database with a private Redis as cache (rate limits)
and Celery broker; a Celery worker consumes from it. With Redis down, every event batch is
still stored in the request (rate limits fail open), and the upload succeeds with its
processing job left pending. Once Redis is back, the beat's sweep sends the job and the worker
processes the screen.
"""

import itertools
import json
import threading

import pytest
import requests
from django.urls import reverse

from prototypes.jobs import PENDING_GRACE, Job
from prototypes.models import Event, ParticipantSession, Screen
from tests import factories
from tests.integration.conftest import wait_until
from tests.integration.services import designer_session, upload_screen
from tests.unit.test_player_support import (
    build_player_study,
    click,
    misclick,
    navigate,
    task_start,
)

pytest_plugins = ["tests.integration.conftest_faults"]
pytestmark = pytest.mark.integration

PARTICIPANTS = 4


class Participant:
    """Sends batches of a participant clicking around Home and Orders, and keeps count."""

    def __init__(self, web, setup):
        self.web = web
        self.setup = setup
        response = requests.post(
            web.url + reverse("api_session_start", args=[setup.link.token]),
            json={"consent": True},
            timeout=30,
        )
        assert response.status_code == 201, response.text
        self.token = response.json()["session_token"]
        self.t_ms = itertools.count(1000, 700)
        self.sent = 0
        self.stored = 0
        self.statuses = []
        self.send([task_start(setup, next(self.t_ms))])

    def batch(self):
        setup = self.setup
        return [
            misclick(setup, "Home", next(self.t_ms)),
            click(setup, "orders", next(self.t_ms)),
            navigate(setup, "Orders", next(self.t_ms)),
            navigate(setup, "Home", next(self.t_ms)),
        ]

    def send(self, events):
        response = requests.post(
            self.web.url + reverse("api_events", args=[self.token]),
            data=json.dumps({"events": events}),
            headers={"Content-Type": "application/json"},
            timeout=30,
        )
        self.statuses.append(response.status_code)
        self.sent += len(events)
        if response.status_code == 200:
            self.stored += response.json()["stored"]

    def click_for_a_while(self, batches):
        for _ in range(batches):
            self.send(self.batch())


def all_click(participants, batches):
    threads = [
        threading.Thread(target=participant.click_for_a_while, args=(batches,))
        for participant in participants
    ]
    for thread in threads:
        thread.start()
    return threads


def test_participants_and_uploads_survive_redis_going_away(stack, designer, workspace):
    setup = build_player_study()
    prototype = factories.PrototypeFactory(workspace=workspace, created_by=designer)
    web = stack.web(workers=2)
    stack.worker("worker")
    participants = [Participant(web, setup) for _ in range(PARTICIPANTS)]
    for participant in participants:
        participant.click_for_a_while(2)

    stack.redis.stop()

    clicking = all_click(participants, 5)
    # A participant arriving now can still start (the session limit fails open too).
    participants.append(Participant(web, setup))
    response = upload_screen(
        designer_session(designer), web, prototype, "Basket.png", factories.png_bytes()
    )
    health = requests.get(f"{web.url}/healthz", timeout=30)
    for thread in clicking:
        thread.join()

    assert response.status_code == 201, response.text
    screen = Screen.objects.get(pk=response.json()["screens"][0]["id"])
    job = Job.objects.get(task_name="prototypes.authoring.process_screen")
    assert job.state == Job.State.PENDING
    assert job.last_error
    assert screen.status == Screen.Status.PROCESSING
    assert health.status_code == 503
    assert health.json()["checks"]["database"]["ok"]

    stack.redis.start()

    for participant in participants:
        participant.click_for_a_while(2)
    # The beat's next sweep, a minute later: the job is older than the grace period by then.
    Job.objects.filter(pk=job.pk).update(created_at=job.created_at - PENDING_GRACE)
    stack.sweep()

    assert wait_until(lambda: Job.objects.get(pk=job.pk).state == Job.State.DONE, timeout=60), list(
        Job.objects.values("state", "sends", "last_error")
    )
    screen.refresh_from_db()
    assert screen.status == Screen.Status.READY
    assert screen.image and screen.thumbnail

    # Every event sent was stored, in the request that sent it, and only once.
    assert {status for participant in participants for status in participant.statuses} == {200}
    sent = sum(participant.sent for participant in participants)
    assert sum(participant.stored for participant in participants) == sent
    assert Event.objects.filter(session__study=setup.study).count() == sent
    assert ParticipantSession.objects.filter(study=setup.study).count() == PARTICIPANTS + 1

    # With Redis back, a new upload is sent to the worker at once, without waiting for a sweep.
    response = upload_screen(
        designer_session(designer), web, prototype, "Receipt.png", factories.png_bytes()
    )
    assert response.status_code == 201
    second = Screen.objects.get(pk=response.json()["screens"][0]["id"])
    assert wait_until(
        lambda: Screen.objects.get(pk=second.pk).status == Screen.Status.READY, timeout=60
    ), list(Job.objects.values("state", "sends", "last_error"))
