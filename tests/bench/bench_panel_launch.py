"""A panel launch: 200 participants from 200 addresses start a study within a second.

gunicorn as configured (gunicorn.conf.py: 2 × cores + 1 workers, 2 threads each) over a fresh
PostgreSQL database. Each participant comes from its own loopback address (127.0.0.x, as the
per-address rate limit sees a real panel), posts its consent at the same moment as the others,
then sends the first batches of events its player records. In the same run, the same burst
against a bare view (tests/bench/urls.py) is the baseline, and one participant at a time
measures the server CPU time a session start costs against a bare view's.

Goals (issue #21): nothing lost and no error; session start p95 under 1 s and event batches p95
under 500 ms during the burst; a session start at most 3× a bare view's server cost. The
speed goals are printed (met or not); nothing lost and no error are asserted.
"""

import json
import multiprocessing
import subprocess
import sys
import threading
import time
import uuid
from types import SimpleNamespace

import pytest

from tests.bench.bench_ingestion import (
    REPO,
    ServerCPU,
    bench_server_environment,
    percentile,
    postgres_or_skip,
)
from tests.bench.gunicorn_server import free_port, start_gunicorn, stop_gunicorn

pytestmark = [pytest.mark.integration, pytest.mark.bench]

PARTICIPANTS = 200
BATCHES = 3
ALONE = 40
GOAL_START_P95 = 1.0
GOAL_EVENTS_P95 = 0.5
GOAL_START_COST = 3


def post(port, path, body, address):
    """(status, parsed JSON or None, seconds) of one POST from this loopback address."""
    import http.client

    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=60, source_address=(address, 0)
    )
    started = time.perf_counter()
    try:
        headers = {"Content-Type": "application/json", "Origin": f"http://127.0.0.1:{port}"}
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        payload = response.read()
    finally:
        connection.close()
    elapsed = time.perf_counter() - started
    try:
        data = json.loads(payload)
    except ValueError:
        data = None
    return response.status, data, elapsed


def address(number):
    return f"127.0.{1 + number // 250}.{1 + number % 250}"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("bench_panel_launch")
    admin = postgres_or_skip()
    database = f"bench_panel_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE DATABASE "{database}"')
    env = bench_server_environment(database, tmp_path)
    process = None
    try:
        for command in (
            ["manage.py", "migrate", "--noinput"],
            ["-m", "tests.bench.ingestion_fixture", "0"],
        ):
            done = subprocess.run(
                [sys.executable, *command],
                cwd=REPO,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
        fixture = json.loads(done.stdout.strip().splitlines()[-1])
        port = free_port()
        workers = multiprocessing.cpu_count() * 2 + 1
        process = start_gunicorn(port, env, tmp_path / "gunicorn.log", workers)
        yield SimpleNamespace(
            port=port, fixture=fixture, database=database, pid=process.pid, admin=admin
        )
    finally:
        if process is not None:
            stop_gunicorn(process)
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.close()


def events_of(fixture, batch):
    screens, task = fixture["screens"], fixture["tasks"][0]
    t_ms = 1000 * (batch + 1)
    if batch == 0:
        start = {"type": "task_start", "t_ms": t_ms, "task": task, "screen": screens["Home"]}
        return [{"id": str(uuid.uuid4()), **start}]
    return [
        {
            "id": str(uuid.uuid4()),
            "type": "click",
            "t_ms": t_ms,
            "task": task,
            "screen": screens["Home"],
            "hotspot": fixture["hotspots"]["to_orders"],
            "x": 0.2,
            "y": 0.85,
        },
        {
            "id": str(uuid.uuid4()),
            "type": "navigate",
            "t_ms": t_ms,
            "task": task,
            "screen": screens["Orders"],
        },
    ]


def burst(port, participant):
    """Every participant at once, each from its own address; the results of each."""
    results = [None] * PARTICIPANTS
    barrier = threading.Barrier(PARTICIPANTS + 1)

    def run(number):
        barrier.wait()
        results[number] = participant(number)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(PARTICIPANTS)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, results


def test_a_panel_of_200_starts_at_once(server, capsys):
    port, fixture = server.port, server.fixture
    start_path = f"/api/studies/{fixture['share_token']}/sessions"
    consent = json.dumps({"consent": True})

    def participant(number):
        status, data, start_seconds = post(port, start_path, consent, address(number))
        if status != 201:
            return status, start_seconds, [], 0
        events, stored = [], 0
        for batch in range(BATCHES):
            body = json.dumps({"events": events_of(fixture, batch)})
            path = f"/api/sessions/{data['session_token']}/events"
            answer, data_, seconds = post(port, path, body, address(number))
            events.append((answer, seconds))
            stored += data_["stored"] if answer == 200 else 0
        return status, start_seconds, events, stored

    def bare_participant(number):
        status, _, start_seconds = post(port, "/bench/bare", consent, address(number))
        events = [post(port, "/bench/bare", consent, address(number))[::2] for _ in range(BATCHES)]
        return status, start_seconds, events, 0

    # Warm every worker up.
    for number in range(20):
        post(port, "/bench/bare", consent, address(PARTICIPANTS + number))

    cpu = ServerCPU(server)
    before = cpu.read()
    for number in range(ALONE):
        assert post(port, "/bench/bare", consent, address(PARTICIPANTS + number))[0] == 200
    middle = cpu.read()
    for number in range(ALONE):
        assert post(port, start_path, consent, address(PARTICIPANTS + number))[0] == 201
    after = cpu.read()
    bare_cost = sum(middle) - sum(before)
    start_cost = sum(after) - sum(middle)

    bare_seconds, bare = burst(port, bare_participant)
    seconds, results = burst(port, participant)

    import psycopg

    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{server.database}") as db:
        sessions, stored = db.execute(
            "SELECT count(DISTINCT s.id), count(e.id) FROM prototypes_participantsession s"
            " LEFT JOIN prototypes_event e ON e.session_id = s.id"
        ).fetchone()

    def figures(rows):
        starts = [row[1] for row in rows]
        events = [seconds for row in rows for _, seconds in row[2]]
        p95s = percentile(starts, 0.95), percentile(events, 0.95)
        line = (
            f"start p50 {percentile(starts, 0.5) * 1000:.0f} ms, p95 {p95s[0] * 1000:.0f} ms; "
            f"event batches p50 {percentile(events, 0.5) * 1000:.0f} ms, "
            f"p95 {p95s[1] * 1000:.0f} ms"
        )
        return line, *p95s

    line, start_p95, events_p95 = figures(results)
    bare_line, _, _ = figures(bare)
    sent = PARTICIPANTS * (1 + 2 * (BATCHES - 1))
    with capsys.disabled():
        print(
            f"\nPanel launch: {PARTICIPANTS} participants from {PARTICIPANTS} addresses at once, "
            f"then {BATCHES} batches of events each; gunicorn as configured on PostgreSQL"
            f"\n  product:   {line}; all done in {seconds:.2f} s"
            f"\n  bare view: {bare_line}; all done in {bare_seconds:.2f} s"
            f"\n  sessions {sessions} (expected {PARTICIPANTS + ALONE}), events stored {stored} "
            f"(sent {sent})"
            f"\n  alone, server CPU a request (gunicorn + PostgreSQL): session start "
            f"{start_cost * 1000 / ALONE:.1f} ms, bare view {bare_cost * 1000 / ALONE:.1f} ms "
            f"({start_cost / bare_cost:.1f}×; goal at most {GOAL_START_COST}×)"
            f"\n  goals: start p95 under {GOAL_START_P95:.0f} s "
            f"{'met' if start_p95 < GOAL_START_P95 else 'NOT met'}, event p95 under "
            f"{GOAL_EVENTS_P95 * 1000:.0f} ms "
            f"{'met' if events_p95 < GOAL_EVENTS_P95 else 'NOT met'}"
            f", start cost {'met' if start_cost <= GOAL_START_COST * bare_cost else 'NOT met'}"
        )
    # Nothing lost and no error, whatever the load.
    assert {row[0] for row in results} == {201}
    assert {answer for row in results for answer, _ in row[2]} == {200}
    assert sum(row[3] for row in results) == stored == sent
    assert sessions == PARTICIPANTS + ALONE
    # The speed goals are printed above; they are not met yet (measured: start p95 6.1 s, event
    # p95 5.1 s, a session start 11× a bare view's server cost with the payload cached: the
    # per-person admission work takes about ten queries). The issue stays open on this point.
