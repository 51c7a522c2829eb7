"""Think-aloud chunk uploads under load, next to the events API, on gunicorn and PostgreSQL.

The production gunicorn configuration (4 workers) serves a fresh PostgreSQL database and the
local media storage, as the ingestion benchmark's does (tests/bench/bench_ingestion.py). Forty
simulated participants record at once: each sends its chunks one after the other, as the
player does with a backlog after a network outage (prototypes/static/prototypes/player-audio.js
sends one chunk at a time), one chunk in ten twice, as after a lost answer. In the same run and
on the same server, the same forty send the events API's live traffic (bench_ingestion's
batches), and then both at once, each participant's audio and events from two threads.

Chunks are 12 KB, what 3 seconds of Opus at the player's 32 kbit/s come to; their bytes are
random (the server stores them as they come and decodes nothing).

Goals: every chunk stored exactly once (a chunk sent twice is answered `"stored": false`);
uploads per second far above what 40 participants recording need (one chunk every 3 seconds
each: 13.3 a second; printed, met or not, as it depends on the machine's load), and at least
FLOOR_SHARE_OF_EVENTS of the events API's requests per second in the same run (asserted): a
chunk costs a file written to the storage on top of about as many queries as a batch of events,
not an order of magnitude more. The figures are printed side by side.
"""

import json
import random
import statistics
import threading
import time
import uuid
from types import SimpleNamespace

import pytest

from tests.bench.bench_ingestion import (
    PARTICIPANTS,
    WORKERS,
    ServerCPU,
    bench_server_environment,
    create_migrated_database,
    live_events,
    percentile,
    player_batches,
    postgres_or_skip,
    request,
    seed,
)
from tests.bench.gunicorn_server import free_port, start_gunicorn, stop_gunicorn

CHUNK_BYTES = 12_000
CHUNK_MS = 3000
CHUNKS_PER_ROUND = 12
ROUNDS = 3
RETRY_SHARE = 0.10
WEBM = "audio/webm;codecs=opus"
HEADER = b"\x1a\x45\xdf\xa3"
# What forty participants recording at once need: a chunk every CHUNK_MS each.
NEEDED_PER_SECOND = PARTICIPANTS * 1000 / CHUNK_MS
# Chunk uploads per second against the events API's requests per second. Measured 80% (server
# CPU 6.1 ms an upload against 5.8 ms a batch of events) on a machine at a load of 10-19 on 2
# cores; 40-49% (12.2 ms an upload) while the ORM built the queries. The floor leaves room for a
# busier machine and catches a return of that cost.
FLOOR_SHARE_OF_EVENTS = 0.5

pytestmark = pytest.mark.bench


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("bench_audio")
    admin = postgres_or_skip()
    database = f"bench_audio_{uuid.uuid4().hex[:8]}"
    create_migrated_database(admin, database)
    env = bench_server_environment(database, tmp_path)
    process = None
    try:
        fixture = seed(env, PARTICIPANTS * 4)
        import psycopg

        with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{database}") as connection:
            connection.execute("UPDATE prototypes_study SET think_aloud = 'optional'")
        port = free_port()
        # No worker recycling mid-run: see bench_ingestion's server.
        process = start_gunicorn(
            port, env, tmp_path / "gunicorn.log", WORKERS, "--max-requests", "0"
        )
        yield SimpleNamespace(
            port=port,
            fixture=fixture,
            database=database,
            pid=process.pid,
            admin=admin,
            media=tmp_path / "media",
        )
    finally:
        if process is not None:
            stop_gunicorn(process)
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.close()


def upload(port, token, chunk):
    """(status, parsed JSON or None, seconds) of one chunk's upload on a fresh connection."""
    index, data = chunk
    path = (
        f"/api/sessions/{token}/audio?segment=0&index={index}"
        f"&offset_ms={index * CHUNK_MS}&duration_ms={CHUNK_MS}"
    )
    return request(port, "POST", path, data, content_type=WEBM)


def run_together(jobs):
    """Run the jobs (callables) each in its own thread, released at once; returns the seconds
    from release to the last one's end."""
    barrier = threading.Barrier(len(jobs) + 1)

    def run(job):
        barrier.wait()
        job()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def chunk_plan(rng):
    """A participant's chunks, round by round: [(index, bytes)], some sent twice in a row."""
    plan, index = [], 0
    for _ in range(ROUNDS):
        sends = []
        for _ in range(CHUNKS_PER_ROUND):
            data = (HEADER if index == 0 else b"") + rng.randbytes(CHUNK_BYTES - 4 * (index == 0))
            sends += [(index, data)] * (1 + (rng.random() < RETRY_SHARE))
            index += 1
        plan.append(sends)
    return plan


def event_plan(fixture, rng):
    """A participant's live event batches (bench_ingestion's), split into ROUNDS rounds."""
    batches = [json.dumps({"events": batch}) for batch in player_batches(live_events(fixture, rng))]
    return [
        batches[len(batches) * n // ROUNDS : len(batches) * (n + 1) // ROUNDS]
        for n in range(ROUNDS)
    ]


def test_chunk_upload_throughput_next_to_the_events_api(server, capsys):
    port, fixture = server.port, server.fixture
    tokens = fixture["sessions"]
    audio_alone = tokens[:PARTICIPANTS]
    events_alone = tokens[PARTICIPANTS : 2 * PARTICIPANTS]
    audio_mixed = tokens[2 * PARTICIPANTS : 3 * PARTICIPANTS]
    events_mixed = tokens[3 * PARTICIPANTS :]
    rng = random.Random(17)
    chunks = {token: chunk_plan(rng) for token in audio_alone + audio_mixed}
    batches = {token: event_plan(fixture, rng) for token in events_alone + events_mixed}

    # Warm every worker up on both endpoints before measuring.
    for number in range(WORKERS * 2):
        request(port, "GET", f"/api/sessions/{tokens[number]}")
        request(port, "POST", f"/api/sessions/{tokens[number]}/events", '{"events": []}')

    results = {kind: [] for kind in ("audio", "events", "audio+", "events+")}
    seconds = dict.fromkeys(("audio", "events", "both"), 0.0)
    server_cpu = ServerCPU(server)
    cpu = dict.fromkeys(("audio", "events"), 0.0)
    lock = threading.Lock()

    def sender(kind, token, bodies, send):
        def job():
            answers = [send(body) for body in bodies]
            with lock:
                results[kind].extend(answers)

        return job

    def audio_jobs(kind, group, number):
        return [
            sender(kind, t, chunks[t][number], lambda chunk, t=t: upload(port, t, chunk))
            for t in group
        ]

    def event_jobs(kind, group, number):
        return [
            sender(
                kind,
                t,
                batches[t][number],
                lambda body, t=t: request(port, "POST", f"/api/sessions/{t}/events", body),
            )
            for t in group
        ]

    # The kinds take turns round by round, so all meet the same conditions on a machine whose
    # load changes during the run.
    for number in range(ROUNDS):
        for kind, jobs in (
            ("audio", audio_jobs("audio", audio_alone, number)),
            ("events", event_jobs("events", events_alone, number)),
        ):
            before = sum(server_cpu.read())
            seconds[kind] += run_together(jobs)
            cpu[kind] += sum(server_cpu.read()) - before
        seconds["both"] += run_together(
            audio_jobs("audio+", audio_mixed, number) + event_jobs("events+", events_mixed, number)
        )

    for kind, answers in results.items():
        assert {status for status, _, _ in answers} <= {200, 201}, kind
    chunks_sent = sum(len(sends) for plan in chunks.values() for sends in plan)
    distinct = PARTICIPANTS * 2 * ROUNDS * CHUNKS_PER_ROUND
    stored_answers = sum(answer["stored"] for _, answer, _ in results["audio"] + results["audio+"])

    import psycopg

    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{server.database}") as connection:
        stored_rows, stored_bytes = connection.execute(
            "SELECT count(*), coalesce(sum(size), 0) FROM prototypes_audiochunk"
        ).fetchone()
    files = [path for path in (server.media / "audio").rglob("*") if path.is_file()]

    def rate(kind, count):
        return count / seconds[kind]

    audio_rps = rate("audio", len(results["audio"]))
    events_rps = rate("events", len(results["events"]))
    share = audio_rps / events_rps

    def latency(kind):
        values = [elapsed for _, _, elapsed in results[kind]]
        return (
            f"p50 {statistics.median(values) * 1000:.1f} ms, "
            f"p95 {percentile(values, 0.95) * 1000:.1f} ms"
        )

    with capsys.disabled():
        print(
            f"\nAudio upload: {PARTICIPANTS} participants recording at once, {chunks_sent} chunks "
            f"of {CHUNK_BYTES // 1000} KB ({chunks_sent - distinct} sent twice); gunicorn "
            f"{WORKERS} workers on PostgreSQL, local media storage"
            f"\n  chunks stored {stored_rows} of {distinct} ({stored_answers} answered stored), "
            f"{len(files)} files, {stored_bytes / 1e6:.1f} MB"
            f"\n  audio chunks: {audio_rps:,.0f} uploads/s ({audio_rps * CHUNK_BYTES / 1e6:.1f} "
            f"MB/s), {latency('audio')}; server CPU an upload "
            f"{cpu['audio'] * 1000 / len(results['audio']):.2f} ms; "
            f"{audio_rps / NEEDED_PER_SECOND:.1f}x the {NEEDED_PER_SECOND:.1f}/s that "
            f"{PARTICIPANTS} recording participants need (goal "
            f"{'met' if audio_rps >= NEEDED_PER_SECOND else 'NOT met'})"
            f"\n  events API:   {events_rps:,.0f} requests/s (live batches), {latency('events')}; "
            f"server CPU a request {cpu['events'] * 1000 / len(results['events']):.2f} ms"
            f"\n  both at once: {rate('both', len(results['audio+'])):,.0f} uploads/s and "
            f"{rate('both', len(results['events+'])):,.0f} event requests/s; audio "
            f"{latency('audio+')}, events {latency('events+')}"
            f"\n  chunk uploads at {share:.0%} of the events API's requests/s (floor "
            f"{FLOOR_SHARE_OF_EVENTS:.0%})"
        )

    assert stored_rows == distinct == stored_answers == len(files)
    assert stored_bytes == distinct * CHUNK_BYTES
    assert share >= FLOOR_SHARE_OF_EVENTS
