"""A panel launch: 200 participants from 200 addresses start a study within a second.

gunicorn as configured (gunicorn.conf.py: 2 × cores + 1 workers, 2 threads each) over a fresh
PostgreSQL database. Each participant comes from its own loopback address (127.0.0.x, as the
per-address rate limit sees a real panel), posts its consent at the same moment as the others,
then sends the first batches of events its player records. In the same run, the same burst
against a bare view (tests/bench/urls.py) is the baseline, and one participant at a time
measures the server CPU time a session start costs against a bare view's.

Goals (issue #21): nothing lost and no error; session start p95 under 1 s and event batches p95
under 500 ms during the burst; a session start at most 3× a bare view's server cost. The
goals are printed (met or not) with the load average; nothing lost and no error are asserted,
and the start's cost at most 4× the bare view's (room for a busy machine). CI runs this
module with the integration tier (tests/integration/test_panel_launch.py).
"""

import json
import multiprocessing
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.bench.bench_ingestion import (
    ServerCPU,
    bench_server_environment,
    create_migrated_database,
    percentile,
    postgres_or_skip,
    request,
    seed,
)
from tests.bench.gunicorn_server import free_port, start_gunicorn, stop_gunicorn

pytestmark = [pytest.mark.integration, pytest.mark.bench]

PARTICIPANTS = 200
BATCHES = 3
# One participant at a time, bare view and session start in turns, so that both meet the same
# load on a machine whose load changes during the run.
ALONE_ROUNDS = 5
ALONE_PER_ROUND = 40
# Before measuring, every worker thread has opened its database connection and built the
# study's payload (prototypes/player/payload.py): what a server that has been up for a while
# has done long ago.
WARM_UP = 40
GOAL_START_P95 = 1.0
GOAL_EVENTS_P95 = 0.5
GOAL_START_COST = 3
# What the assertion allows a busy machine (the goal is printed, met or not).
FLOOR_START_COST = 4


def post(port, path, body, address):
    """(status, parsed JSON or None, seconds) of one POST from this loopback address."""
    return request(port, "POST", path, body, address=address, timeout=60)


def address(number):
    return f"127.0.{1 + number // 250}.{1 + number % 250}"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("bench_panel_launch")
    admin = postgres_or_skip()
    database = f"bench_panel_{uuid.uuid4().hex[:8]}"
    create_migrated_database(admin, database)
    env = bench_server_environment(database, tmp_path)
    process = None
    try:
        fixture = seed(env, 0)
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


def load_average():
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def test_a_panel_of_200_starts_at_once(server, capsys):
    load_before = load_average()
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

    # Warm every worker thread up on both views, ten at a time so that all of them serve.
    spare = iter(range(PARTICIPANTS, PARTICIPANTS + WARM_UP + 2 * ALONE_ROUNDS * ALONE_PER_ROUND))
    warm_up = [
        (path, address(next(spare)))
        for _ in range(WARM_UP // 2)
        for path in ("/bench/bare", start_path)
    ]
    with ThreadPoolExecutor(10) as pool:
        statuses = set(pool.map(lambda job: post(port, job[0], consent, job[1])[0], warm_up))
    assert statuses == {200, 201}

    cpu = ServerCPU(server)
    costs = {"/bench/bare": [0.0, 0.0], start_path: [0.0, 0.0]}
    for _ in range(ALONE_ROUNDS):
        for path, status in (("/bench/bare", 200), (start_path, 201)):
            before = cpu.read()
            for _ in range(ALONE_PER_ROUND):
                assert post(port, path, consent, address(next(spare)))[0] == status
            after = cpu.read()
            for side in (0, 1):
                costs[path][side] += (after[side] - before[side]) / ALONE_ROUNDS / ALONE_PER_ROUND
    bare_cost, start_cost = sum(costs["/bench/bare"]), sum(costs[start_path])

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
    started_alone = WARM_UP // 2 + ALONE_ROUNDS * ALONE_PER_ROUND

    def cost(path):
        gunicorn, postgres = (seconds * 1000 for seconds in costs[path])
        return f"{gunicorn + postgres:.2f} ms ({gunicorn:.2f} gunicorn + {postgres:.2f} PostgreSQL)"

    with capsys.disabled():
        print(
            f"\nPanel launch: {PARTICIPANTS} participants from {PARTICIPANTS} addresses at once, "
            f"then {BATCHES} batches of events each; gunicorn as configured on PostgreSQL"
            f"\n  product:   {line}; all done in {seconds:.2f} s"
            f"\n  bare view: {bare_line}; all done in {bare_seconds:.2f} s"
            f"\n  sessions {sessions} (expected {PARTICIPANTS + started_alone}), events stored "
            f"{stored} (sent {sent})"
            f"\n  alone, server CPU a request ({ALONE_ROUNDS * ALONE_PER_ROUND} of each): session "
            f"start {cost(start_path)}, bare view {cost('/bench/bare')}: "
            f"{start_cost / bare_cost:.1f}× (goal at most {GOAL_START_COST}×)"
            f"\n  goals: start p95 under {GOAL_START_P95:.0f} s "
            f"{'met' if start_p95 < GOAL_START_P95 else 'NOT met'}, event p95 under "
            f"{GOAL_EVENTS_P95 * 1000:.0f} ms "
            f"{'met' if events_p95 < GOAL_EVENTS_P95 else 'NOT met'}"
            f", start cost {'met' if start_cost <= GOAL_START_COST * bare_cost else 'NOT met'}"
            f"\n  load average before the run {load_before}, after {load_average()}"
        )
    # Nothing lost and no error, whatever the load.
    assert {row[0] for row in results} == {201}
    assert {answer for row in results for answer, _ in row[2]} == {200}
    assert sum(row[3] for row in results) == stored == sent
    assert sessions == PARTICIPANTS + started_alone
    # The cost of a start is the server's own work, which load changes less than latency: it is
    # asserted with room for a busy machine. The burst's latencies are printed (their goals are
    # for a machine doing nothing else).
    assert start_cost <= FLOOR_START_COST * bare_cost
