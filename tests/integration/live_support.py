"""Web processes under ASGI (gunicorn with uvicorn workers, as the `live` process runs in
production) or WSGI, and a small server-sent events client that reconnects the way
EventSource does."""

import json
import signal
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import requests

from tests.integration.services import (
    PrivateRedis,
    port_open,
    product_env,
    start_process,
    stop_processes,
    tail,
    wait_for,
)


def start_asgi(env, log_path, port, workers=1):
    process = start_server(
        env,
        log_path,
        port,
        "protoplatform.asgi",
        "-k",
        "uvicorn_worker.UvicornWorker",
        workers=workers,
    )
    # Any stop but a kill waits for the streams still open, up to gunicorn's graceful timeout
    # (20 s): uvicorn lets every open response finish first. The tests are done with them.
    process.stop_signal = signal.SIGKILL
    return process


def start_server(env, log_path, port, app="protoplatform.wsgi", *options, workers=1):
    """gunicorn.conf.py's server on 127.0.0.1:port, once Django answers (a 404 for a path of no
    view). A new worker's first request imports the whole URLconf: on a busy machine that takes
    a while, hence the long wait."""
    process = start_process(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            app,
            "-c",
            "gunicorn.conf.py",
            *options,
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--max-requests",
            "0",
        ],
        env,
        log_path,
    )
    process.port = port
    process.url = f"http://127.0.0.1:{port}"

    def answers():
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn ({app}) exited:\n{tail(log_path)}")
        try:
            requests.get(f"{process.url}/not-a-page", timeout=5)
        except requests.RequestException:
            return False
        return True

    wait_for(answers, 120, f"gunicorn ({app}) on port {port}")
    return process


def free_port_in(ports):
    for port in ports:
        if not port_open(port):
            return port
    raise RuntimeError(f"No free port in {ports}.")


class Observer:
    """Follows an SSE URL in a thread: reconnects after each end or error, with the last id
    received as Last-Event-ID and after the server's `retry`, as a browser's EventSource does.
    `messages` holds every (arrival time, event name, data) received, in order."""

    def __init__(self, session, url):
        self.session = session
        self.url = url
        self.messages = []
        self.connections = 0
        self.last_event_id = None
        self.retry_ms = 1000
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def ids(self, event="activity"):
        return [data["id"] for _, name, data in self.messages if name == event]

    def wait_for(self, event_id, timeout=10):
        """The time (time.monotonic) the event arrived; raises after `timeout`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for arrived, name, data in list(self.messages):
                if name == "activity" and data["id"] == event_id:
                    return arrived
            time.sleep(0.005)
        raise AssertionError(f"Event {event_id} never reached the observer of {self.url}.")

    def stop(self):
        self._stop.set()

    def _run(self):
        while not self._stop.is_set():
            headers = {"Accept": "text/event-stream"}
            if self.last_event_id:
                headers["Last-Event-ID"] = self.last_event_id
            try:
                with self.session.get(self.url, headers=headers, stream=True, timeout=30) as answer:
                    if answer.status_code != 200:
                        raise RuntimeError(f"{self.url} answered {answer.status_code}")
                    self.connections += 1
                    self._read(answer)
            except requests.RequestException:
                pass
            self._stop.wait(self.retry_ms / 1000)

    def _read(self, answer):
        name, data, event_id = "message", [], None
        for line in answer.iter_lines(decode_unicode=True, chunk_size=1):
            if self._stop.is_set():
                return
            if line == "":
                if data:
                    if event_id is not None:
                        self.last_event_id = event_id
                    self.messages.append((time.monotonic(), name, json.loads("\n".join(data))))
                name, data, event_id = "message", [], None
            elif line.startswith("data: "):
                data.append(line[6:])
            elif line.startswith("event: "):
                name = line[7:]
            elif line.startswith("id: "):
                event_id = line[4:]
            elif line.startswith("retry: "):
                self.retry_ms = int(line[7:])


@contextmanager
def two_asgi_webs(tmp_path, ports, database_url, media_root, redis_db=1):
    """A private Redis on a port of `ports` and two ASGI web processes that share it, each
    streaming for 20 s (the tests also see a normal end and reconnection); yields
    (redis, processes) and prints the processes' logs afterwards."""
    redis = PrivateRedis(tmp_path / "redis")
    redis.port = free_port_in(ports)
    redis.start()
    env = product_env(
        DATABASE_URL=database_url,
        REDIS_URL=redis.url(redis_db),
        LIVE_REDIS_URL=redis.url(redis_db),
        CELERY_BROKER_URL=None,
        MEDIA_ROOT=media_root,
        LOG_LEVEL="INFO",
        LIVE_STREAM_SECONDS=20,
    )
    processes = []
    try:
        for name in ("web-a", "web-b"):
            processes.append(start_asgi(env, tmp_path / f"{name}.log", free_port_in(ports)))
        yield redis, processes
    finally:
        stop_processes(processes)
        redis.stop()
        for process in processes:
            print(f"----- {process.log_path.name} -----\n{tail(process.log_path, 3000)}")
