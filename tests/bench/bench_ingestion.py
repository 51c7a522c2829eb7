"""Event ingestion under load: simulated participants against gunicorn and PostgreSQL.

Starts the production gunicorn configuration (4 workers) on loopback over a fresh PostgreSQL
database and has simulated participants all send their batches of events at once, one batch in
ten sent twice as a browser retrying a lost answer would. In the same run and against the same
server, the same requests go to two baselines (tests/bench/urls.py, through the same middleware):
a bare Django view, and a durable view that writes the same event rows as ingestion with one
INSERT … ON CONFLICT in one transaction under the same session lock, with no validation and no
derived rows: the physical limit of a durable write on this stack.

Two kinds of traffic:
- "live": batches as the player's event queue (prototypes/static/prototypes/event-queue.js)
  makes them while a participant works: it sends what was recorded in the 800 ms after an
  event, so a batch is one action's events (a click and the screen it shows, a misclick, a
  task's start or end, an answer), and now and then two quick actions together;
- "backlog": 20 events a batch, as a queue sends after the network came back (the player sends
  up to 100 at a time then), the traffic the issue's figures were first measured with.

Goals (from the issues): every event stored exactly once (by ingestion and by the durable view);
at least 2,000 events per second; ingestion requests per second at least 0.7× the durable view's
on live traffic and 0.8× on backlog traffic. The bare view's figures are printed alongside.
On the same server, a check that batches of one session arriving together lose no click
(SQLite, under the unit tests, cannot run them at the same time).
"""

import hashlib
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.bench.gunicorn_server import free_port, start_gunicorn, stop_gunicorn
from tests.conftest import in_ci

REPO = Path(__file__).resolve().parents[2]
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
WORKERS = 4
PARTICIPANTS = 40
RETRY_SHARE = 0.10
ROUNDS = 5
# event-queue.js sends a batch this long after the first event recorded into an empty queue.
FLUSH_DELAY_MS = 800
BACKLOG_BATCHES = 25
BACKLOG_BATCH_EVENTS = 20
GOAL_EVENTS_PER_SECOND = 2000
# Ingestion's requests per second against the durable view's (issue #21): what validation, the
# derived rows and the rate limit cost on top of the durable write itself. Both prepare their
# statements (prototypes.prepared). Measured at load 3-4: 73% (live) and 74% (backlog), server
# CPU a backlog batch 2.94 + 1.24 ms against 2.06 + 0.91 ms; at load 17-22: 77% and 76%. The
# goal is printed with whether it is met, and the assertion guards the measured level against
# regressions with room for a busy machine (the issue stays open on the backlog goal).
GOAL_SHARE_OF_DURABLE = {"live": 0.7, "backlog": 0.8}
FLOOR_SHARE_OF_DURABLE = 0.45

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


def request(
    port, method, path, body=None, content_type="application/json", address=None, timeout=30
):
    """(status, parsed JSON or None, seconds) of one request on a fresh connection, from the
    loopback `address` if given."""
    source = (address, 0) if address else None
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=timeout, source_address=source
    )
    started = time.perf_counter()
    try:
        headers = {"Content-Type": content_type, "Origin": f"http://127.0.0.1:{port}"}
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


def live_events(fixture, rng):
    """What one participant's player records, task after task: the start, a few trips to the
    orders and back with a misclick now and then, the goal reached (or, one time in five, the
    task given up), the SEQ answer; then the end of the session. People act 0.4 to 4 seconds
    apart; a click and the screen it shows are recorded together."""
    screens, hotspots = fixture["screens"], fixture["hotspots"]
    events = []
    t_ms = 0

    def record(event_type, **fields):
        events.append({"id": str(uuid.uuid4()), "type": event_type, "t_ms": t_ms, **fields})

    def click(task, screen, hotspot, shows):
        where = {"x": round(rng.random(), 4), "y": round(rng.random(), 4)}
        record("click", task=task, screen=screens[screen], hotspot=hotspots[hotspot], **where)
        record("navigate", task=task, screen=screens[shows])

    def pause(shortest=400, longest=4000):
        nonlocal t_ms
        t_ms += rng.randint(shortest, longest)

    for task in fixture["tasks"]:
        pause(2000, 6000)
        record("task_start", task=task, screen=screens["Home"])
        for _ in range(rng.randint(3, 6)):
            pause()
            if rng.random() < 0.3:
                where = {"x": round(rng.random(), 4), "y": round(rng.random(), 4)}
                record("misclick", task=task, screen=screens["Home"], **where)
                continue
            click(task, "Home", "to_orders", "Orders")
            pause()
            click(task, "Orders", "back", "Home")
        pause()
        if rng.random() < 0.8:
            click(task, "Home", "to_orders", "Orders")
            pause()
            click(task, "Orders", "to_detail", "Order detail")
            record("task_end", task=task, screen=screens["Order detail"], data={"reason": "goal"})
        else:
            record("give_up", task=task, screen=screens["Home"])
            record("task_end", task=task, screen=screens["Home"], data={"reason": "gave_up"})
        pause(2000, 6000)
        record("answer", task=task, data={"seq": rng.randint(1, 7)})
    pause(2000, 6000)
    record("session_end")
    return events


def player_batches(events):
    """The events in the batches the player's queue sends: what was recorded within
    FLUSH_DELAY_MS of a batch's first event goes with it."""
    batches = []
    for event in events:
        if batches and event["t_ms"] - batches[-1][0]["t_ms"] <= FLUSH_DELAY_MS:
            batches[-1].append(event)
        else:
            batches.append([event])
    return batches


def backlog_batches(fixture, rng):
    """BACKLOG_BATCHES batches of BACKLOG_BATCH_EVENTS events a participant clicking through the
    tasks recorded while offline, spread over the study's tasks."""
    screens, hotspots = fixture["screens"], fixture["hotspots"]
    per_task = BACKLOG_BATCHES // len(fixture["tasks"])
    batches = []
    t_ms = 0
    for index in range(BACKLOG_BATCHES):
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
        while len(events) < BACKLOG_BATCH_EVENTS:
            events.append(dict(cycle[len(events) % len(cycle)], task=task))
        if index % per_task == per_task - 1:
            events[-1] = {"type": "task_end", "task": task, "data": {"reason": "gave_up"}}
        for event in events:
            t_ms += rng.randint(200, 3000)
            event.update(id=str(uuid.uuid4()), t_ms=t_ms)
            if event["type"] in ("click", "misclick"):
                event.update(x=round(rng.random(), 4), y=round(rng.random(), 4))
        batches.append(events)
    return batches


TRAFFIC = {
    "live": lambda fixture, rng: player_batches(live_events(fixture, rng)),
    "backlog": backlog_batches,
}


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


def this_round(plan, number):
    """The batches of a participant's plan sent in round `number` of ROUNDS."""
    return plan[len(plan) * number // ROUNDS : len(plan) * (number + 1) // ROUNDS]


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def migrations_fingerprint():
    """What the schema that `manage.py migrate` builds depends on: the project's migrations,
    Django's version (its own apps' migrations) and the pinned requirements."""
    import django

    digest = hashlib.sha256(django.__version__.encode())
    for path in [REPO / "requirements.txt", *sorted(REPO.glob("prototypes/**/migrations/*.py"))]:
        digest.update(str(path.relative_to(REPO)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def create_migrated_database(admin, name):
    """CREATE DATABASE `name` with every migration applied: a copy of a template database
    migrated once for this set of migrations and kept for the next runs. `manage.py migrate`
    costs several seconds of CPU; a copy, a fraction of one."""
    import psycopg

    template = f"bench_template_{migrations_fingerprint()}"
    known = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template]).fetchone()
    if known is None:
        # Built under a name of its own, then renamed: a run that meets the template never
        # meets it half-migrated, and of two runs building it at once, one keeps its copy.
        building = f"{template}_{uuid.uuid4().hex[:8]}"
        admin.execute(f'CREATE DATABASE "{building}"')
        try:
            with tempfile.TemporaryDirectory() as folder:
                env = bench_server_environment(building, Path(folder))
                run_python(env, "manage.py", "migrate", "--noinput")
            admin.execute(f'ALTER DATABASE "{building}" RENAME TO "{template}"')
        except psycopg.errors.DuplicateDatabase:
            pass
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')


def run_python(env, *arguments):
    """What `python *arguments` printed, run in the project with this environment."""
    done = subprocess.run(
        [sys.executable, *arguments], cwd=REPO, env=env, check=True, capture_output=True, text=True
    )
    return done.stdout


def seed(env, sessions):
    """Seed a benchmark's (migrated) database with `sessions` simulated participants
    (tests/bench/ingestion_fixture.py); returns what the fixture printed (ids and tokens)."""
    printed = run_python(env, "-m", "tests.bench.ingestion_fixture", str(sessions))
    return json.loads(printed.strip().splitlines()[-1])


def bench_server_environment(database, tmp_path):
    """The environment of a benchmark's own server: production settings on its own PostgreSQL
    database and folder, no Redis (Celery eager), and the benchmark's extra URLs."""
    return {
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


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("bench_ingestion")
    admin = postgres_or_skip()
    database = f"bench_ingestion_{uuid.uuid4().hex[:8]}"
    create_migrated_database(admin, database)
    env = bench_server_environment(database, tmp_path)
    process = None
    try:
        fixture = seed(env, PARTICIPANTS * (2 * len(TRAFFIC) + 1))
        port = free_port()
        process = start_gunicorn(
            port,
            env,
            tmp_path / "gunicorn.log",
            WORKERS,
            # gunicorn.conf.py replaces a worker after about 2,000 requests, and a new worker's
            # first request imports the whole URLconf (seconds of CPU time): over the few
            # thousand requests of a run, that cost would land on whichever view was being
            # measured at the time, not spread over the traffic as in production.
            "--max-requests",
            "0",
        )
        yield SimpleNamespace(
            port=port, fixture=fixture, database=database, pid=process.pid, admin=admin
        )
    finally:
        if process is not None:
            stop_gunicorn(process)
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.close()


def process_times(pid):
    """utime, stime, cutime, cstime of a process, in clock ticks (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return [int(value) for value in fields[11:15]]


class ServerCPU:
    """CPU time used so far by the gunicorn workers and the PostgreSQL backends serving them.

    gunicorn replaces a worker after max_requests, and the new one opens new database
    connections: the workers that exited are counted through the master (the time of the
    children it reaped), and a backend that went away keeps the time it had when last seen.
    """

    def __init__(self, server):
        self.server = server
        self.backends = {}

    def read(self):
        master = self.server.pid
        gunicorn = sum(process_times(master))
        for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split():
            try:
                gunicorn += sum(process_times(pid)[:2])
            except OSError:
                continue  # exited since the listing: counted with the master next time
        rows = self.server.admin.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", [self.server.database]
        ).fetchall()
        for (pid,) in rows:
            try:
                self.backends[pid] = sum(process_times(pid)[:2])
            except OSError:
                continue
        ticks = os.sysconf("SC_CLK_TCK")
        return gunicorn / ticks, sum(self.backends.values()) / ticks


def with_new_ids(body):
    """The same batch with new event UUIDs: the durable view stores its own copy of the events."""
    payload = json.loads(body)
    for event in payload["events"]:
        event["id"] = str(uuid.uuid4())
    return json.dumps(payload)


def stored_events(database, sessions):
    import psycopg

    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{database}") as connection:
        return connection.execute(
            "SELECT count(*) FROM prototypes_event e JOIN prototypes_participantsession s"
            " ON s.id = e.session_id WHERE s.token = ANY(%s)",
            [sessions],
        ).fetchone()[0]


@pytest.mark.parametrize("traffic", list(TRAFFIC))
def test_ingestion_throughput(server, traffic, capsys):
    port, fixture, database = server.port, server.fixture, server.database
    first = list(TRAFFIC).index(traffic) * PARTICIPANTS
    sessions = fixture["sessions"][first : first + PARTICIPANTS]
    durable_first = first + len(TRAFFIC) * PARTICIPANTS
    durable_sessions = fixture["sessions"][durable_first : durable_first + PARTICIPANTS]
    rng = random.Random(7)

    plans, durable_plans, sizes = [], [], []
    sent = clicks = misclicks = duplicates_sent = 0
    for _ in range(PARTICIPANTS):
        plan, durable_plan = [], []
        for events in TRAFFIC[traffic](fixture, rng):
            sizes.append(len(events))
            clicks += sum(event["type"] == "click" for event in events)
            misclicks += sum(event["type"] == "misclick" for event in events)
            # A retried batch goes out again right after the first copy, as after a lost answer.
            copies = 1 + (rng.random() < RETRY_SHARE)
            duplicates_sent += (copies - 1) * len(events)
            body = json.dumps({"events": events})
            plan.append([body] * copies)
            durable_plan.append([with_new_ids(body)] * copies)
        plans.append(plan)
        durable_plans.append(durable_plan)
    sent = sum(sizes)
    requests_per_run = sum(len(copies) for plan in plans for copies in plan)

    # Warm every worker up on every view before measuring.
    for number in range(WORKERS * 2):
        request(port, "POST", "/bench/bare", plans[0][0][0])
        request(port, "POST", f"/bench/durable/{durable_sessions[0]}", '{"events": []}')
        request(port, "GET", f"/api/sessions/{sessions[number % PARTICIPANTS]}")

    # The three views take turns, round by round, so that all meet the same conditions on a
    # machine whose load changes during the run.
    kinds = {
        "ingestion": (lambda n: f"/api/sessions/{sessions[n]}/events", plans),
        "durable": (lambda n: f"/bench/durable/{durable_sessions[n]}", durable_plans),
        "bare": (lambda n: "/bench/bare", plans),
    }
    seconds = dict.fromkeys(kinds, 0.0)
    results = {kind: [] for kind in kinds}
    # Server-side CPU (gunicorn workers, PostgreSQL backends) spent on each kind of request.
    server_cpu = ServerCPU(server)
    cpu = {kind: [0.0, 0.0] for kind in kinds}
    for number in range(ROUNDS):
        for kind, (path_for, kind_plans) in kinds.items():
            rounds = [
                [body for copies in this_round(plan, number) for body in copies]
                for plan in kind_plans
            ]
            before = server_cpu.read()
            elapsed, answers = drive(port, path_for, rounds.__getitem__, PARTICIPANTS)
            after = server_cpu.read()
            seconds[kind] += elapsed
            results[kind] += answers
            for side in (0, 1):
                cpu[kind][side] += after[side] - before[side]

    for kind in kinds:
        assert {status for status, _, _ in results[kind]} == {200}, kind
    stored_by_answers = sum(data["stored"] for _, data, _ in results["ingestion"])
    duplicates = sum(data["duplicates"] for _, data, _ in results["ingestion"])
    stored = stored_events(database, sessions)
    durable_stored = stored_events(database, durable_sessions)

    import psycopg

    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{database}") as connection:
        attempts = connection.execute(
            "SELECT count(*), sum(clicks), sum(misclicks) FROM prototypes_taskattempt a"
            " JOIN prototypes_participantsession s ON s.id = a.session_id WHERE s.token = ANY(%s)",
            [sessions],
        ).fetchone()

    rps = {kind: requests_per_run / seconds[kind] for kind in kinds}
    share_of_durable = rps["ingestion"] / rps["durable"]
    goal = GOAL_SHARE_OF_DURABLE[traffic]
    shares = {
        label: sum(low <= size <= high for size in sizes) / len(sizes)
        for label, low, high in (("1", 1, 1), ("2", 2, 2), ("3-5", 3, 5), ("6+", 6, 10**6))
    }

    def figures(kind):
        latencies = [elapsed for _, _, elapsed in results[kind]]
        django_ms, postgres_ms = (seconds * 1000 / requests_per_run for seconds in cpu[kind])
        return (
            f"{rps[kind]:,.0f} requests/s, {sent / seconds[kind]:,.0f} events/s; latency p50 "
            f"{statistics.median(latencies) * 1000:.1f} ms, "
            f"p95 {percentile(latencies, 0.95) * 1000:.1f} ms; server CPU a request "
            f"{django_ms:.2f} ms gunicorn + {postgres_ms:.2f} ms PostgreSQL"
        )

    with capsys.disabled():
        print(
            f"\nIngestion, {traffic} traffic: {PARTICIPANTS} participants, {sent} events in "
            f"{len(sizes)} batches of {sent / len(sizes):.1f} events on average ("
            + ", ".join(f"{label}: {share:.0%}" for label, share in shares.items() if share)
            + f"), {requests_per_run - len(sizes)} batches sent twice; "
            f"gunicorn {WORKERS} workers on PostgreSQL"
            f"\n  events sent {sent}, stored {stored} (answers: {stored_by_answers} stored, "
            f"{duplicates} duplicates); durable view stored {durable_stored}; task attempts "
            f"{attempts[0]} with {attempts[1]} clicks and {attempts[2]} misclicks "
            f"(sent {clicks} and {misclicks})"
            f"\n  ingestion:    {figures('ingestion')}"
            f"\n  durable view: {figures('durable')}"
            f"\n  bare view:    {figures('bare')}"
            f"\n  ingestion at {share_of_durable:.0%} of the durable view's requests/s (goal "
            f"{goal:.0%}: {'met' if share_of_durable >= goal else 'NOT met'}), "
            f"{rps['ingestion'] / rps['bare']:.0%} of the bare view's"
        )

    assert stored == sent
    assert durable_stored == sent
    assert stored_by_answers == sent
    assert duplicates == duplicates_sent
    # Every task ended, so every attempt is derived from all its events, whatever the order
    # and the repeats in which they arrived.
    assert attempts == (PARTICIPANTS * len(fixture["tasks"]), clicks, misclicks)
    if traffic == "backlog":
        # Live batches hold about two events each (the player flushes 800 ms after the first),
        # so events per second is a property of full batches.
        assert sent / seconds["ingestion"] >= GOAL_EVENTS_PER_SECOND
    assert share_of_durable >= FLOOR_SHARE_OF_DURABLE


def test_batches_of_one_session_sent_at_once_lose_no_click(server):
    """A task's clicks and its end in batches that reach the server together (a beacon and a
    retry overlap): whichever commits first, the ended attempt counts every click. Attempts in
    progress are derived again only at boundaries, so this rests on the session's row lock."""
    port, fixture = server.port, server.fixture
    sessions = fixture["sessions"][-PARTICIPANTS:]
    screens, hotspots, task = fixture["screens"], fixture["hotspots"], fixture["tasks"][0]
    rng = random.Random(11)

    def event(t_ms, event_type, **fields):
        return {"id": str(uuid.uuid4()), "type": event_type, "t_ms": t_ms, "task": task, **fields}

    statuses = []

    def send(token, events):
        body = json.dumps({"events": events})
        statuses.append(request(port, "POST", f"/api/sessions/{token}/events", body)[0])

    clicks = 0
    for token in sessions:
        send(token, [event(0, "task_start", screen=screens["Home"])])
        batches, t_ms = [], 0
        for _ in range(4):
            batch = []
            for _ in range(rng.randint(1, 3)):
                t_ms += 100
                batch.append(
                    event(t_ms, "click", screen=screens["Home"], hotspot=hotspots["to_orders"])
                    | {"x": 0.2, "y": 0.8}
                )
                batch.append(event(t_ms, "navigate", screen=screens["Orders"]))
            clicks += len(batch) // 2
            batches.append(batch)
        batches.append([event(t_ms + 1000, "task_end", data={"reason": "gave_up"})])
        threads = [threading.Thread(target=send, args=(token, batch)) for batch in batches]
        rng.shuffle(threads)
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    import psycopg

    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{server.database}") as connection:
        ended, counted = connection.execute(
            "SELECT count(*), sum(clicks) FROM prototypes_taskattempt a"
            " JOIN prototypes_participantsession s ON s.id = a.session_id"
            " WHERE s.token = ANY(%s) AND a.ended_ms IS NOT NULL",
            [sessions],
        ).fetchone()
    assert set(statuses) == {200}
    assert (ended, counted) == (PARTICIPANTS, clicks)
