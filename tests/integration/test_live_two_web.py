"""Live observation across two web processes under ASGI, on a real Redis that is restarted
mid-session: the observer on one process sees the participant whose batches reach the other,
and after the restart misses nothing (it catches up from the stored events) and follows live
again."""

import json
import time

import pytest
import requests
from django.conf import settings
from django.db import connection
from django.urls import reverse

from prototypes.live import observe
from prototypes.models import Event, ParticipantSession
from tests import factories
from tests.integration.conftest import database_url
from tests.integration.live_support import Observer, two_asgi_webs
from tests.integration.services import (
    designer_session,
)
from tests.unit.test_player_support import build_player_study, click, misclick, navigate, task_start

pytestmark = pytest.mark.integration

# Ports of this suite's servers: a range of its own, clear of the other tiers' servers.
PORTS = range(8100, 8200)


@pytest.fixture
def live_stack(transactional_db, tmp_path):
    with two_asgi_webs(
        tmp_path, PORTS, database_url(connection.settings_dict), settings.MEDIA_ROOT, 1
    ) as stack:
        yield stack


def post(web, path, body):
    return requests.post(
        web.url + path,
        data=json.dumps(body),
        headers={"Content-Type": "application/json"},
        timeout=30,
    )


def test_an_observer_on_one_process_follows_a_participant_on_the_other_through_a_redis_restart(
    live_stack, designer
):
    redis, (web_a, web_b) = live_stack
    setup = build_player_study()
    factories.MembershipFactory(workspace=setup.study.workspace, user=designer, role="viewer")
    observe.allow(setup.study, True)
    started = post(web_a, reverse("api_session_start", args=[setup.link.token]), {"consent": True})
    assert started.status_code == 201, started.text
    token = started.json()["session_token"]
    session = ParticipantSession.objects.get(token=token)
    events_path = reverse("api_events", args=[token])
    stream = web_b.url + reverse("session_observe_stream", args=[session.pk])
    watcher = Observer(designer_session(designer), stream)
    times = iter(range(1000, 10**6, 700))

    def one_click(web):
        batch = [misclick(setup, "Home", next(times))]
        assert post(web, events_path, {"events": batch}).status_code == 200
        return batch[0]["id"]

    try:
        first = [task_start(setup, next(times))]
        assert post(web_a, events_path, {"events": first}).status_code == 200
        watcher.wait_for(first[0]["id"])
        # Live: each click posted to process A reaches the observer on process B.
        for _ in range(5):
            sent_at = time.monotonic()
            arrived = watcher.wait_for(one_click(web_a))
            assert arrived - sent_at < 5

        redis.stop()
        # Recording never depends on the channel: batches are stored while Redis is down.
        during = [one_click(web_a) for _ in range(3)]
        during.append(one_click(web_b))
        for event_id in during:
            watcher.wait_for(event_id, timeout=15)

        redis.start()
        time.sleep(1)
        t = next(times)
        after = [click(setup, "orders", t), navigate(setup, "Orders", t)]
        assert post(web_b, events_path, {"events": after}).status_code == 200
        watcher.wait_for(after[-1]["id"], timeout=15)
        # Back on the channel: a click arrives live again, not at the catch-up pace.
        sent_at = time.monotonic()
        arrived = watcher.wait_for(one_click(web_a))
        assert arrived - sent_at < 1.5
    finally:
        watcher.stop()

    stored = list(
        Event.objects.filter(session=session).order_by("pk").values_list("uuid", flat=True)
    )
    seen = watcher.ids()
    # Nothing lost, nothing twice, in the order stored.
    assert seen == [str(uuid) for uuid in stored]
    assert watcher.connections >= 2
