"""Private services for the fault tests and the soak benchmark, as plain functions and classes.

The machine's PostgreSQL (5432) and Redis (6379) are shared with other work, so a test that
stops or restarts a service starts its own: a Redis on a free port, a PostgreSQL cluster in a
temporary directory, a moto S3 server, and the product's own processes (gunicorn, Celery
workers) pointed at them through environment variables, exactly as production configures them.
"""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils.crypto import get_random_string

from tests.conftest import in_ci

ROOT = Path(__file__).resolve().parents[2]
POSTGRES_BIN = Path("/usr/lib/postgresql/15/bin")
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def require_program(path, install_hint):
    """Skip the test when a server program is missing (fail instead under CI=true)."""
    if not Path(path).exists():
        message = f"needs {path} ({install_hint})"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port, host="127.0.0.1"):
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_for(predicate, timeout, what):
    """Poll `predicate` until it is true; raise with `what` in the message after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    if not predicate():
        raise RuntimeError(f"Gave up after {timeout} s waiting for {what}.")


def tail(path, characters=4000):
    try:
        return Path(path).read_text(errors="replace")[-characters:]
    except OSError:
        return ""


class PrivateRedis:
    """A Redis server of our own, without persistence, that a test may stop and start again
    on the same port."""

    def __init__(self, directory):
        require_program(REDIS_SERVER, "apt-get install redis-server")
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.pidfile = self.directory / "redis.pid"

    def url(self, db=0):
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self):
        subprocess.run(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--daemonize",
                "yes",
                "--pidfile",
                str(self.pidfile),
                "--dir",
                str(self.directory),
                "--logfile",
                str(self.directory / "redis.log"),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            check=True,
        )
        wait_for(lambda: port_open(self.port), 10, f"Redis on port {self.port}")

    def stop(self):
        """Stop the server by its pid (never by name: other Redis servers run on this machine)."""
        try:
            pid = int(self.pidfile.read_text())
        except (OSError, ValueError):
            return
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        wait_for(lambda: not port_open(self.port), 10, f"Redis on port {self.port} to stop")
        wait_for(lambda: not Path(f"/proc/{pid}").exists(), 10, f"Redis process {pid} to exit")


class PrivatePostgres:
    """A PostgreSQL 15 cluster of our own in a temporary directory, owned by the `postgres`
    OS user when the tests run as root (PostgreSQL refuses to run as root)."""

    def __init__(self):
        require_program(POSTGRES_BIN / "initdb", "apt-get install postgresql-15")
        # Not under pytest's tmp_path: that lives in a root-only directory `postgres` cannot
        # enter. A short path also keeps the Unix socket's path under its length limit.
        self.directory = Path(tempfile.mkdtemp(prefix="pp-pg-"))
        self.data = self.directory / "data"
        self.log = self.directory / "postgres.log"
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")

    def run(self, *command):
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run(
            prefix + [str(part) for part in command], check=True, text=True, capture_output=True
        )

    def url(self, name="postgres"):
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def init(self):
        self.run(
            POSTGRES_BIN / "initdb",
            "-D",
            self.data,
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        return self

    def pg_ctl(self, action, *extra):
        options = (
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self.run(
            POSTGRES_BIN / "pg_ctl",
            "-D",
            self.data,
            "-o",
            options,
            "-l",
            self.log,
            "-w",
            "-t",
            "30",
            action,
            *extra,
        )

    def start(self):
        self.pg_ctl("start")

    def stop(self):
        # "fast" disconnects the clients at once, as a crash or a failover would.
        self.pg_ctl("stop", "-m", "fast")

    def create_database(self, name):
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def destroy(self):
        if self.data.exists() and (self.data / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.CalledProcessError):
                self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


def product_env(**overrides):
    """The environment of a product process: ours, with the given variables set (a value of
    None removes the variable)."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = str(value)
    return env


def manage(env, *arguments):
    """Run `manage.py <arguments>` with `env`; returns its standard output."""
    result = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise RuntimeError(f"manage.py {' '.join(arguments)} failed:\n{result.stderr[-4000:]}")
    return result.stdout


def start_process(command, env, log_path):
    """Start a product process in its own process group, its output going to `log_path`."""
    log = open(log_path, "w")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    process.log = log
    process.log_path = Path(log_path)
    return process


def stop_process(process, sig=None, timeout=20):
    """Stop the process and everything it started (its process group)."""
    stop_processes([process], sig, timeout)


def stop_processes(processes, sig=None, timeout=20):
    """Stop the processes together (each with its group): signal them all, then wait."""
    running = [process for process in processes if process.poll() is None]
    for process in running:
        # The signal goes to the leader alone: gunicorn's master and Celery's main process
        # stop their own children the way they are meant to.
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, sig or getattr(process, "stop_signal", signal.SIGTERM))
    deadline = time.monotonic() + timeout
    for process in running:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    for process in processes:
        # A SIGKILLed parent leaves its children behind in the group; they go too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.log.close()


def start_gunicorn(env, log_path, workers=2, threads=2):
    """The production web process (gunicorn.conf.py) on a free loopback port; waits until
    Django answers (a 404 for a path of no view: cheaper than /healthz, which pings workers)."""
    port = free_port()
    process = start_process(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "protoplatform.wsgi",
            "-c",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
        ],
        env,
        log_path,
    )
    process.port = port
    process.url = f"http://127.0.0.1:{port}"
    # SIGQUIT: gunicorn's quick shutdown, without the graceful wait for idle keep-alive clients.
    process.stop_signal = signal.SIGQUIT

    def answers():
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{tail(log_path)}")
        try:
            requests.get(f"{process.url}/not-a-page", timeout=5)
        except requests.RequestException:
            return False
        return True

    wait_for(answers, 60, f"gunicorn on port {port}")
    return process


def start_celery_worker(env, log_path, name, include=(), concurrency=1):
    """A `celery worker` process; `include` names extra modules it imports (test hooks)."""
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "protoplatform",
        "worker",
        f"--concurrency={concurrency}",
        "--loglevel=INFO",
        f"--hostname={name}@%h",
        "--without-mingle",
        "--without-gossip",
    ]
    if include:
        command.append(f"--include={','.join(include)}")
    return start_process(command, env, log_path)


def wait_for_celery_ready(process, timeout=60):
    """Wait for the worker's "ready" line: it is then consuming from its broker."""

    def ready():
        if process.poll() is not None:
            raise RuntimeError(f"The Celery worker exited:\n{tail(process.log_path)}")
        return " ready." in tail(process.log_path, 100_000)

    wait_for(ready, timeout, "the Celery worker to be ready")


def start_moto_server():
    """moto's S3 in server mode on a free loopback port; returns the server (stop() it)."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    server.url = f"http://127.0.0.1:{port}"
    wait_for(lambda: port_open(port), 10, f"moto on port {port}")
    return server


def designer_session(user):
    """A requests session logged in as `user` on any of the stack's web processes: they share
    the database, hence the session, and the secret key."""
    client = Client()
    client.force_login(user)
    session = requests.Session()
    session.cookies.set(
        settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value
    )
    token = get_random_string(32)
    session.cookies.set(settings.CSRF_COOKIE_NAME, token)
    session.headers.update({"X-CSRFToken": token, "Accept": "application/json"})
    return session


def upload_screen(session, web, prototype, name, data):
    return session.post(
        web.url + reverse("screen_upload", args=[prototype.pk]),
        files=[("files", (name, data, "application/octet-stream"))],
        timeout=60,
    )


def run_django(env, code):
    """Run Python `code` in a fresh process with Django set up on `env` (e.g. another
    database); returns what it printed last, parsed as JSON."""
    script = f"import django, json\ndjango.setup()\n{code}"
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={"DJANGO_SETTINGS_MODULE": "protoplatform.settings", **env},
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise RuntimeError(f"Django script failed:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])
