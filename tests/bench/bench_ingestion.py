"""Event ingestion under load: simulated participants against gunicorn and PostgreSQL.

Starts the production gunicorn configuration (4 workers) on loopback over a fresh PostgreSQL
database, starts a session per simulated participant, then has them all send batches of events
at once, one batch in ten sent twice as a browser retrying a lost answer would. In the same run
and against the same server, the same load is sent to a bare Django view as the baseline.

Goals: every event stored exactly once; at least 2,000 events per second; ingestion requests
per second at least half the bare view's.
"""

import http.client
import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.conftest import in_ci

REPO = Path(__file__).resolve().parents[2]
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
WORKERS = 4
PARTICIPANTS = 40
BATCHES = 25
EVENTS_PER_BATCH = 20
RETRY_SHARE = 0.10
ROUNDS = 5
GOAL_EVENTS_PER_SECOND = 2000
GOAL_SHARE_OF_BARE = 0.5

pytestmark = pytest.mark.bench


def postgres_or_skip():
    try:
        import psycopg

        return psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except Exception as error:  # noqa: BLE001 - any failure means "not available here"
        message = f"PostgreSQL at 127.0.0.1:5432 (database test) is unreachable: {error}"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(port, method, path, body=None):
    """(status, parsed JSON or None, seconds) of one request on a fresh connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    started = time.perf_counter()
    try:
        headers = {"Content-Type": "application/json", "Origin": f"http://127.0.0.1:{port}"}
        connection.request(method, path, body=body, headers=headers)
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


def participant_batches(fixture, rng):
    """BATCHES batches of EVENTS_PER_BATCH events a participant clicking through the tasks
    would send, spread over the study's tasks."""
    screens, hotspots = fixture["screens"], fixture["hotspots"]
    per_task = BATCHES // len(fixture["tasks"])
    batches = []
    t_ms = 0
    for index in range(BATCHES):
        task = fixture["tasks"][min(index // per_task, len(fixture["tasks"]) - 1)]
        events = []
        if index % per_task == 0:
            events.append({"type": "task_start", "task": task, "screen": screens["Home"]})
        cycle = [
            {"type": "misclick", "screen": screens["Home"]},
            {"type": "click", "screen": screens["Home"], "hotspot": hotspots["to_orders"]},
            {"type": "navigate", "screen": screens["Orders"]},
            {"type": "click", "screen": screens["Orders"], "hotspot": hotspots["back"]},
            {"type": "navigate", "screen": screens["Home"]},
        ]
        while len(events) < EVENTS_PER_BATCH:
            events.append(dict(cycle[len(events) % len(cycle)], task=task))
        if index % per_task == per_task - 1:
            events[-1] = {"type": "task_end", "task": task, "data": {"reason": "gave_up"}}
        for event in events:
            t_ms += rng.randint(200, 3000)
            event.update(id=str(uuid.uuid4()), t_ms=t_ms)
            if event["type"] in ("click", "misclick"):
                event.update(x=round(rng.random(), 4), y=round(rng.random(), 4))
        batches.append(json.dumps({"events": events}))
    return batches


def drive(port, path_for, bodies_for, participants):
    """Send every participant's bodies from its own thread; returns (seconds, results)."""
    results = [[] for _ in range(participants)]
    barrier = threading.Barrier(participants + 1)

    def run(number):
        barrier.wait()
        for body in bodies_for(number):
            results[number].append(request(port, "POST", path_for(number), body))

    threads = [threading.Thread(target=run, args=(n,)) for n in range(participants)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, [r for rs in results for r in rs]


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@pytest.fixture
def server(tmp_path):
    admin = postgres_or_skip()
    database = f"bench_ingestion_{secrets.token_hex(4)}"
    admin.execute(f'CREATE DATABASE "{database}"')
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "DJANGO_SETTINGS_MODULE": "tests.bench.bench_settings",
        "BENCH_ROOT_URLCONF": "tests.bench.urls",
        "VAR_DIR": str(tmp_path),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "",
        "LOG_LEVEL": "WARNING",
    }
    process = None
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=REPO,
            env=env,
            check=True,
            capture_output=True,
        )
        fixture = json.loads(
            subprocess.run(
                [sys.executable, "-m", "tests.bench.ingestion_fixture"],
                cwd=REPO,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        port = free_port()
        log = open(tmp_path / "gunicorn.log", "w")  # noqa: SIM115 - closed with the server
        process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "protoplatform.wsgi",
                "-c",
                "gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(WORKERS),
                "--access-logfile",
                "/dev/null",
            ],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                if request(port, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError((tmp_path / "gunicorn.log").read_text()[-3000:])
            time.sleep(0.2)
        yield SimpleNamespace(port=port, fixture=fixture, database=database, pid=process.pid)
    finally:
        if process is not None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.close()


def cpu_seconds(pids):
    """User and system CPU time used so far by these processes (Linux)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def server_processes(server):
    """The gunicorn workers and the PostgreSQL backends serving them."""
    workers = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    import psycopg

    with psycopg.connect(PG_ADMIN_URL) as connection:
        backends = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", [server.database]
        ).fetchall()
    return [int(pid) for pid in workers], [pid for (pid,) in backends]


def test_ingestion_throughput(server, capsys):
    port, fixture, database = server.port, server.fixture, server.database
    rng = random.Random(7)

    sessions = []
    for _ in range(PARTICIPANTS):
        status, data, _ = request(
            port, "POST", f"/api/studies/{fixture['share_token']}/sessions", '{"consent": true}'
        )
        assert status == 201, data
        sessions.append(data["session_token"])
    plans = []
    for _ in range(PARTICIPANTS):
        batches = participant_batches(fixture, rng)
        # A retried batch goes out again right after the first copy, as after a lost answer.
        plans.append([[body] * (1 + (rng.random() < RETRY_SHARE)) for body in batches])
    sent = PARTICIPANTS * BATCHES * EVENTS_PER_BATCH
    requests_per_run = sum(len(copies) for plan in plans for copies in plan)

    # Warm every worker up on both views before measuring.
    for number in range(WORKERS * 2):
        request(port, "POST", "/bench/bare", plans[0][0][0])
        request(port, "GET", f"/api/sessions/{sessions[number % PARTICIPANTS]}")

    # Ingestion and the bare view take turns, round by round, so that both meet the same
    # conditions on a machine whose load changes during the run.
    seconds = bare_seconds = 0.0
    results, bare_results = [], []
    # Server-side CPU (gunicorn workers, PostgreSQL backends) spent on each kind of request.
    workers, backends = server_processes(server)
    cpu = {"ingestion": [0.0, 0.0], "bare": [0.0, 0.0]}
    per_round = BATCHES // ROUNDS
    for start in range(0, BATCHES, per_round):
        rounds = [
            [body for copies in plan[start : start + per_round] for body in copies]
            for plan in plans
        ]
        before = cpu_seconds(workers), cpu_seconds(backends)
        elapsed, answers = drive(
            port, lambda n: f"/api/sessions/{sessions[n]}/events", rounds.__getitem__, PARTICIPANTS
        )
        seconds += elapsed
        results += answers
        middle = cpu_seconds(workers), cpu_seconds(backends)
        elapsed, answers = drive(port, lambda n: "/bench/bare", rounds.__getitem__, PARTICIPANTS)
        bare_seconds += elapsed
        bare_results += answers
        after = cpu_seconds(workers), cpu_seconds(backends)
        for side in (0, 1):
            cpu["ingestion"][side] += middle[side] - before[side]
            cpu["bare"][side] += after[side] - middle[side]

    statuses = {status for status, _, _ in results}
    assert statuses == {200}, statuses
    assert {status for status, _, _ in bare_results} == {200}
    stored_by_answers = sum(data["stored"] for _, data, _ in results)
    duplicates = sum(data["duplicates"] for _, data, _ in results)

    import psycopg

    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{database}") as connection:
        stored = connection.execute("SELECT count(*) FROM prototypes_event").fetchone()[0]
        attempts = connection.execute(
            "SELECT count(*), sum(clicks), sum(misclicks) FROM prototypes_taskattempt"
        ).fetchone()

    latencies = [elapsed for _, _, elapsed in results]
    events_per_second = sent / seconds
    ingestion_rps = requests_per_run / seconds
    bare_rps = requests_per_run / bare_seconds

    def per_request(kind):
        django_ms, postgres_ms = (seconds * 1000 / requests_per_run for seconds in cpu[kind])
        return f"{django_ms:.2f} ms gunicorn + {postgres_ms:.2f} ms PostgreSQL"

    with capsys.disabled():
        print(
            f"\nIngestion: {PARTICIPANTS} participants x {BATCHES} batches x {EVENTS_PER_BATCH} "
            f"events, {requests_per_run - PARTICIPANTS * BATCHES} batches sent twice, "
            f"gunicorn {WORKERS} workers on PostgreSQL"
            f"\n  events sent {sent}, stored {stored} (answers: {stored_by_answers} stored, "
            f"{duplicates} duplicates), task attempts {attempts[0]}"
            f"\n  {events_per_second:,.0f} events/s over {seconds:.2f} s; "
            f"{ingestion_rps:,.0f} requests/s; latency p50 "
            f"{statistics.median(latencies) * 1000:.1f} ms, "
            f"p95 {percentile(latencies, 0.95) * 1000:.1f} ms"
            f"\n  bare Django view, same load: {bare_rps:,.0f} requests/s "
            f"(ingestion at {ingestion_rps / bare_rps:.0%} of it)"
            f"\n  server CPU per request: ingestion {per_request('ingestion')}; "
            f"bare view {per_request('bare')}"
        )

    assert stored == sent
    assert stored_by_answers == sent
    assert duplicates == (requests_per_run - PARTICIPANTS * BATCHES) * EVENTS_PER_BATCH
    assert attempts[0] == PARTICIPANTS * len(fixture["tasks"])
    assert events_per_second >= GOAL_EVENTS_PER_SECOND
    assert ingestion_rps >= GOAL_SHARE_OF_BARE * bare_rps
