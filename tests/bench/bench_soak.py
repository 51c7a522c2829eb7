"""Soak: the production stack under mixed load for a bounded time.

Runs what production runs, configured the way docs/deploy.md says (DEBUG=0, collected static
files, JSON logs): gunicorn with several workers, a Celery worker, a fresh PostgreSQL database
on the machine's server (dropped afterwards) and a private Redis as cache and broker. Then, at
once, simulated participants play (a session each, a batch of events about every second, new
participants arriving), designers upload screens that the worker processes, and stakeholders
open the shared report and its JSON.

The first seconds carry the participants alone: that is the same-run baseline the mixed load's
event latency is compared with. Goals (asserted): no 5xx and no unexpected answer at all, every
event sent is stored exactly once, every uploaded screen is processed.
"""

import itertools
import json
import random
import secrets
import signal
import statistics
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path

import pytest
import requests

from tests.bench.bench_ingestion import create_migrated_database
from tests.conftest import in_ci
from tests.integration.services import (
    REDIS_SERVER,
    PrivateRedis,
    manage,
    port_open,
    product_env,
    run_django,
    start_celery_worker,
    start_gunicorn,
    stop_processes,
    tail,
    wait_for,
    wait_for_celery_ready,
)

pytestmark = pytest.mark.bench

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
WEB_WORKERS = 3
BASELINE_SECONDS = 8
SOAK_SECONDS = 30
PARTICIPANTS = 12
ARRIVAL_EVERY = 4.0  # seconds between new participants during the soak
EVENTS_PER_BATCH = 6
BATCH_EVERY = 1.0
DESIGNERS = 2
UPLOAD_EVERY = 4.0
STAKEHOLDERS = 2
REPORT_EVERY = 1.5

FIXTURE = """
from django.contrib.auth import get_user_model
from django.test import Client
from prototypes.models import Membership, Prototype, ReportShare
from prototypes.player.demo import simulate_participants
from tests.unit.test_player_support import build_player_study

setup = build_player_study()
simulate_participants(setup.study, count=30)
designer = get_user_model().objects.create_user("designer@example.com")
Membership.objects.create(workspace=setup.study.workspace, user=designer, role="designer")
prototype = Prototype.objects.create(
    workspace=setup.study.workspace, name="Soak uploads", created_by=designer
)
share = ReportShare.objects.create(study=setup.study, label="Stakeholders")
client = Client()
client.force_login(designer)
print(json.dumps({
    "share_token": setup.link.token,
    "study": setup.study.pk,
    "report_token": share.token,
    "prototype": prototype.pk,
    "designer_session": client.cookies["sessionid"].value,
    "task": setup.task.pk,
    "screens": {name: screen.pk for name, screen in setup.screens.items()},
    "hotspots": {
        name: {"id": hotspot.pk, "screen": hotspot.screen_id, "x": hotspot.x, "y": hotspot.y}
        for name, hotspot in setup.hotspots.items()
    },
}))
"""


def services_or_skip():
    """The shared PostgreSQL's admin connection; skip (fail under CI) without it or Redis."""
    problems = []
    if not port_open(6379):
        problems.append("Redis at 127.0.0.1:6379")
    if not Path(REDIS_SERVER).exists():
        problems.append("redis-server (apt-get install redis-server)")
    try:
        import psycopg

        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except Exception as error:  # noqa: BLE001 - any failure means "not available here"
        problems.append(f"PostgreSQL at 127.0.0.1:5432 ({error})")
        admin = None
    if problems:
        message = "The soak needs " + ", ".join(problems)
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return admin


@pytest.fixture
def production(tmp_path):
    admin = services_or_skip()
    database = f"bench_soak_{secrets.token_hex(4)}"
    create_migrated_database(admin, database)
    redis = PrivateRedis(tmp_path / "redis")
    processes = []
    try:
        redis.start()
        env = product_env(
            DEBUG="0",
            SECRET_KEY=secrets.token_urlsafe(50),
            ALLOWED_HOSTS="127.0.0.1",
            # Loopback HTTP: in production the proxy terminates TLS.
            SECURE_SSL_REDIRECT="0",
            DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{database}",
            REDIS_URL=redis.url(1),
            CELERY_BROKER_URL=redis.url(0),
            VAR_DIR=tmp_path / "var",
            MEDIA_ROOT=tmp_path / "media",
            LOG_LEVEL="WARNING",
            DJANGO_SETTINGS_MODULE="protoplatform.settings",
        )
        manage(env, "collectstatic", "--noinput")
        fixture = run_django(env, FIXTURE)
        web = start_gunicorn(env, tmp_path / "gunicorn.log", workers=WEB_WORKERS, threads=2)
        processes.append(web)
        worker = start_celery_worker(env, tmp_path / "worker.log", "soak", concurrency=1)
        processes.append(worker)
        wait_for_celery_ready(worker)
        health = requests.get(f"{web.url}/healthz", timeout=10)
        assert health.status_code == 200, health.text
        yield web, fixture, env["DATABASE_URL"]
    finally:
        # The quick shutdown: a graceful one waits up to 20 s for the clients' kept-alive
        # connections, and the measurements are over.
        stop_processes(processes, sig=signal.SIGQUIT)
        for process in processes:
            if process.returncode not in (0, -signal.SIGTERM, -signal.SIGQUIT):
                print(tail(process.log_path))
        redis.stop()
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.close()


class Recorder:
    """Every request's kind, status and time, from all the simulated people's threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.samples = defaultdict(list)  # (phase, kind) -> [(status, seconds)]
        self.phase = "baseline"

    def request(self, session, kind, method, url, expected, **options):
        started = time.perf_counter()
        try:
            response = session.request(method, url, timeout=60, **options)
            status = response.status_code
        except requests.RequestException:
            response, status = None, 0  # counted as an error: the server did not answer
        elapsed = time.perf_counter() - started
        with self.lock:
            self.samples[self.phase, kind].append((status, elapsed))
        if status not in expected:
            with self.lock:
                self.samples["unexpected", kind].append((status, elapsed))
            return None
        return response

    def of(self, phase, kind):
        return self.samples.get((phase, kind), [])


def pause(stop, seconds, rng):
    """Sleep about `seconds` (±30%), waking early when the run ends."""
    return not stop.wait(seconds * rng.uniform(0.7, 1.3))


class Participant:
    def __init__(self, web, fixture, recorder, seed):
        self.web = web
        self.fixture = fixture
        self.recorder = recorder
        self.rng = random.Random(seed)
        self.http = requests.Session()
        self.http.headers["Content-Type"] = "application/json"
        self.t_ms = itertools.count(1000, 650)
        self.sent = 0
        self.stored = 0
        self.token = None

    def start(self):
        base = self.web.url
        self.recorder.request(
            self.http, "player page", "GET", f"{base}/s/{self.fixture['share_token']}/", {200}
        )
        response = self.recorder.request(
            self.http,
            "session start",
            "POST",
            f"{base}/api/studies/{self.fixture['share_token']}/sessions",
            {201},
            data=json.dumps({"consent": True}),
        )
        if response is not None:
            self.token = response.json()["session_token"]
            screen = self.fixture["screens"]["Home"]
            self.send([{"type": "task_start", "task": self.fixture["task"], "screen": screen}])

    def batch(self):
        fixture, task = self.fixture, self.fixture["task"]
        orders = fixture["hotspots"]["orders"]
        cycle = [
            {"type": "misclick", "screen": fixture["screens"]["Home"], "x": 0.9, "y": 0.05},
            {
                "type": "click",
                "screen": orders["screen"],
                "hotspot": orders["id"],
                "x": orders["x"] + 0.01,
                "y": orders["y"] + 0.01,
            },
            {"type": "navigate", "screen": fixture["screens"]["Orders"]},
            {"type": "navigate", "screen": fixture["screens"]["Home"]},
        ]
        return [dict(cycle[index % len(cycle)], task=task) for index in range(EVENTS_PER_BATCH)]

    def send(self, events):
        for event in events:
            event.update(id=str(uuid.uuid4()), t_ms=next(self.t_ms))
        response = self.recorder.request(
            self.http,
            "event batch",
            "POST",
            f"{self.web.url}/api/sessions/{self.token}/events",
            {200},
            data=json.dumps({"events": events}),
        )
        self.sent += len(events)
        if response is not None:
            self.stored += response.json()["stored"]

    def run(self, stop):
        self.start()
        if self.token is None:
            return
        while pause(stop, BATCH_EVERY, self.rng):
            self.send(self.batch())
        self.send([{"type": "session_end"}])


def designer(web, fixture, recorder, stop, seed, uploaded):
    rng = random.Random(seed)
    http = requests.Session()
    csrf = secrets.token_hex(16)
    http.cookies.set("sessionid", fixture["designer_session"])
    http.cookies.set("csrftoken", csrf)
    http.headers.update({"X-CSRFToken": csrf, "Accept": "application/json"})
    from tests.factories import png_bytes

    url = f"{web.url}/prototypes/{fixture['prototype']}/screens/upload/"
    while pause(stop, UPLOAD_EVERY, rng):
        color = tuple(rng.randrange(256) for _ in range(3))
        image = png_bytes((1170, 2532), color)  # a phone screenshot at 3x
        response = recorder.request(
            http,
            "screen upload",
            "POST",
            url,
            {201},
            files=[("files", (f"Screen {rng.randrange(10**6)}.png", image, "image/png"))],
        )
        if response is not None:
            uploaded.extend(screen["id"] for screen in response.json()["screens"])
        recorder.request(http, "prototype page", "GET", url.rsplit("/screens/", 1)[0] + "/", {200})


def stakeholder(web, fixture, recorder, stop, seed):
    rng = random.Random(seed)
    http = requests.Session()
    token = fixture["report_token"]
    while pause(stop, REPORT_EVERY, rng):
        recorder.request(http, "shared report", "GET", f"{web.url}/r/{token}/", {200})
        recorder.request(
            http,
            "report json",
            "GET",
            f"{web.url}/api/studies/{fixture['study']}/report.json?token={token}",
            {200},
        )


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run_threads(targets):
    threads = [threading.Thread(target=target, args=args) for target, args in targets]
    for thread in threads:
        thread.start()
    return threads


def test_soak(production, capsys):
    web, fixture, database_url = production
    recorder = Recorder()
    participants = []
    stop = threading.Event()
    seeds = itertools.count(1)

    def new_participant():
        participant = Participant(web, fixture, recorder, next(seeds))
        participants.append(participant)
        return (participant.run, (stop,))

    # Baseline: the participants alone.
    threads = run_threads([new_participant() for _ in range(PARTICIPANTS)])
    time.sleep(BASELINE_SECONDS)

    # Soak: designers and stakeholders join; new participants keep arriving.
    recorder.phase = "soak"
    uploaded = []
    started = time.monotonic()
    threads += run_threads(
        [(designer, (web, fixture, recorder, stop, next(seeds), uploaded))] * DESIGNERS
        + [(stakeholder, (web, fixture, recorder, stop, next(seeds)))] * STAKEHOLDERS
    )
    while time.monotonic() - started < SOAK_SECONDS:
        time.sleep(ARRIVAL_EVERY)
        threads += run_threads([new_participant()])
    stop.set()
    for thread in threads:
        thread.join()
    soak_seconds = time.monotonic() - started

    # Processing may still be catching up with the last uploads.
    processing_started = time.monotonic()
    import psycopg

    def screens_by_status():
        with psycopg.connect(database_url) as connection:
            rows = connection.execute(
                "SELECT status, count(*) FROM prototypes_screen WHERE id = ANY(%s) GROUP BY 1",
                [uploaded],
            ).fetchall()
        return dict(rows)

    wait_for(
        lambda: screens_by_status().get("ready", 0) == len(uploaded),
        120,
        f"the uploaded screens to be processed ({screens_by_status()})",
    )
    backlog_seconds = time.monotonic() - processing_started
    with psycopg.connect(database_url) as connection:
        stored = connection.execute(
            "SELECT count(*) FROM prototypes_event e JOIN prototypes_participantsession s "
            "ON s.id = e.session_id WHERE NOT s.is_simulated"
        ).fetchone()[0]
        completed = connection.execute(
            "SELECT count(*) FROM prototypes_participantsession "
            "WHERE NOT is_simulated AND state = 'completed'"
        ).fetchone()[0]

    sent = sum(participant.sent for participant in participants)
    answered = sum(participant.stored for participant in participants)
    all_samples = [sample for key, samples in recorder.samples.items() for sample in samples]
    server_errors = [status for status, _ in all_samples if status >= 500 or status == 0]
    unexpected = {
        kind: samples
        for (phase, kind), samples in recorder.samples.items()
        if phase == "unexpected"
    }
    kinds = sorted({kind for phase, kind in recorder.samples if phase == "soak"})
    baseline_events = [s for _, s in recorder.of("baseline", "event batch")]
    soak_events = [s for _, s in recorder.of("soak", "event batch")]

    with capsys.disabled():
        print(
            f"\nSoak: gunicorn {WEB_WORKERS} workers x 2 threads, 1 Celery worker, PostgreSQL, "
            f"Redis; {len(participants)} participants, {DESIGNERS} designers, "
            f"{STAKEHOLDERS} stakeholders for {soak_seconds:.0f} s "
            f"(after {BASELINE_SECONDS} s of participants alone)"
        )
        print(f"  {'request':<16}{'count':>7}{'per s':>8}{'p50 ms':>9}{'p95 ms':>9}{'errors':>8}")
        for kind in kinds:
            samples = recorder.of("soak", kind)
            seconds = [elapsed for _, elapsed in samples]
            errors = sum(1 for status, _ in samples if status >= 500 or status == 0)
            print(
                f"  {kind:<16}{len(samples):>7}{len(samples) / soak_seconds:>8.1f}"
                f"{statistics.median(seconds) * 1000:>9.0f}"
                f"{percentile(seconds, 0.95) * 1000:>9.0f}{errors:>8}"
            )
        total = sum(len(recorder.of("soak", kind)) for kind in kinds)
        print(f"  {'all':<16}{total:>7}{total / soak_seconds:>8.1f}")
        print(
            f"  event batches p95: {percentile(baseline_events, 0.95) * 1000:.0f} ms alone, "
            f"{percentile(soak_events, 0.95) * 1000:.0f} ms under the mixed load"
            f"\n  events sent {sent}, stored {stored} (answers said {answered}); "
            f"{completed} sessions completed"
            f"\n  screens uploaded {len(uploaded)}, all processed "
            f"{backlog_seconds:.1f} s after the load stopped"
            f"\n  5xx or no answer: {len(server_errors)}; unexpected answers: "
            f"{ {kind: sorted({status for status, _ in s}) for kind, s in unexpected.items()} }"
        )

    assert server_errors == []
    assert unexpected == {}
    assert stored == sent == answered
    assert completed == len(participants)
    assert uploaded
    assert soak_events
