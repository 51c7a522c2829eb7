"""Live observation: participant click → observer update, with 20 observers on one session.

Production's shape on loopback: the events API on gunicorn (WSGI, as `web`), the 20 observers'
streams on gunicorn with uvicorn workers (ASGI, as `live`), fan-out through a Redis of the
benchmark's own, over a fresh PostgreSQL database. One participant clicks (a misclick batch
every 100 ms, each sent once its predecessor reached every observer); for each click the time
from sending the batch to its arrival at each observer is measured, next to the events API's
own round trip for the same requests (the update cannot come sooner: the batch is announced
once stored, before the API answers).

Goals (issue #16): p95 of click → observer update under 150 ms, and within 2× of the events
API's round trip p95. The assertion allows a busy machine (this one is shared by several
benchmarks and test runs): the ratio under 4.
"""

import http.client
import json
import statistics
import threading
import time
import uuid

import pytest

from tests.bench.bench_ingestion import (
    bench_server_environment,
    create_migrated_database,
    postgres_or_skip,
    run_python,
    seed,
)
from tests.integration.live_support import free_port_in, start_asgi, start_server
from tests.integration.services import PrivateRedis, stop_processes

pytestmark = pytest.mark.bench

OBSERVERS = 20
CLICKS = 60
PAUSE_S = 0.1
GOAL_P95_MS = 150
GOAL_RATIO = 2.0
FLOOR_RATIO = 4.0
# Ports of this benchmark's servers (clear of the other suites').
PORTS = range(8100, 8200)

FIXTURE = """
import json, django
django.setup()
from django.test import Client
from prototypes.live import observe
from prototypes.models import Membership, Study
from prototypes.studies import participants
from django.contrib.auth import get_user_model
study = Study.objects.get()
observe.allow(study, True)
study.refresh_from_db()
session = participants.start_session(study, link=study.share_links.get())
user = get_user_model().objects.get()
Membership.objects.create(workspace=study.workspace, user=user, role="owner")
client = Client()
client.force_login(user)
print(json.dumps({"session": session.pk, "token": session.token,
                  "cookie": client.cookies["sessionid"].value}))
"""


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


class Stream(threading.Thread):
    """One observer: reads the SSE stream and stamps each activity event's arrival."""

    def __init__(self, port, path, cookie):
        super().__init__(daemon=True)
        self.port, self.path, self.cookie = port, path, cookie
        self.arrivals = {}
        self.ready = threading.Event()

    def run(self):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        connection.request(
            "GET", self.path, headers={"Cookie": f"sessionid={self.cookie}", "Host": "127.0.0.1"}
        )
        response = connection.getresponse()
        assert response.status == 200, response.status
        self.ready.set()
        while True:
            line = response.readline()
            if not line:
                return
            if line.startswith(b"data: "):
                arrived = time.perf_counter()
                message = json.loads(line[6:])
                if message.get("event") == "activity":
                    self.arrivals[message["id"]] = arrived


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("bench_live")
    admin = postgres_or_skip()
    database = f"bench_live_{uuid.uuid4().hex[:8]}"
    create_migrated_database(admin, database)
    redis = PrivateRedis(tmp_path / "redis")
    redis.port = free_port_in(PORTS)
    redis.start()
    env = bench_server_environment(database, tmp_path) | {
        "LIVE_REDIS_URL": redis.url(1),
        "LIVE_STREAM_SECONDS": "600",
    }
    web = live = None
    try:
        ids = seed(env, 0)
        ids |= json.loads(run_python(env, "-c", FIXTURE).splitlines()[-1])
        web = start_server(env, tmp_path / "web.log", free_port_in(PORTS), workers=2)
        live = start_asgi(env, tmp_path / "live.log", free_port_in(PORTS), workers=1)
        yield web.port, live.port, ids
    finally:
        stop_processes([process for process in (web, live) if process is not None])
        redis.stop()
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.close()


def post_batch(port, path, events):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = json.dumps({"events": events})
    headers = {"Content-Type": "application/json", "Origin": f"http://127.0.0.1:{port}"}
    started = time.perf_counter()
    connection.request("POST", path, body=body, headers=headers)
    response = connection.getresponse()
    response.read()
    answered = time.perf_counter()
    connection.close()
    assert response.status == 200, response.status
    return started, answered


def test_click_to_observer_update(servers, capsys):
    web_port, live_port, ids = servers
    streams = [
        Stream(live_port, f"/live/sessions/{ids['session']}/stream/", ids["cookie"])
        for _ in range(OBSERVERS)
    ]
    for stream in streams:
        stream.start()
    for stream in streams:
        assert stream.ready.wait(30)
    path = f"/api/sessions/{ids['token']}/events"
    task, home = ids["tasks"][0], ids["screens"]["Home"]
    started_ms = [1000]
    post_batch(
        web_port,
        path,
        [
            {
                "id": str(uuid.uuid4()),
                "type": "task_start",
                "t_ms": 1000,
                "task": task,
                "screen": home,
            }
        ],
    )

    round_trips, updates = [], []
    for number in range(CLICKS):
        started_ms[0] += 700
        event_id = str(uuid.uuid4())
        click = {
            "id": event_id,
            "type": "misclick",
            "t_ms": started_ms[0],
            "task": task,
            "screen": home,
            "x": 0.5,
            "y": 0.5,
        }
        sent, answered = post_batch(web_port, path, [click])
        deadline = time.monotonic() + 10
        while not all(event_id in stream.arrivals for stream in streams):
            assert time.monotonic() < deadline, f"click {number} never reached every observer"
            time.sleep(0.001)
        if number >= 5:  # the first few warm the workers' caches and connections
            round_trips.append((answered - sent) * 1000)
            updates.extend((stream.arrivals[event_id] - sent) * 1000 for stream in streams)
        time.sleep(PAUSE_S)

    round_trip_p95 = percentile(round_trips, 0.95)
    update_p95 = percentile(updates, 0.95)
    ratio = update_p95 / round_trip_p95
    with capsys.disabled():
        print(
            f"\nLive observation, {OBSERVERS} observers, {len(round_trips)} clicks:"
            f"\n  events API round trip   median {statistics.median(round_trips):6.1f} ms"
            f"  p95 {round_trip_p95:6.1f} ms"
            f"\n  click → observer update median {statistics.median(updates):6.1f} ms"
            f"  p95 {update_p95:6.1f} ms  ({len(updates)} updates)"
            f"\n  ratio of p95s {ratio:.2f} (goal ≤ {GOAL_RATIO}: "
            f"{'met' if ratio <= GOAL_RATIO else 'NOT met'}); "
            f"p95 goal < {GOAL_P95_MS} ms: {'met' if update_p95 < GOAL_P95_MS else 'NOT met'}"
        )
    assert ratio < FLOOR_RATIO
