import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from protoplatform.celery import app

ROOT = Path(__file__).resolve().parents[2]


def database_url(settings_dict):
    return (
        f"postgres://{settings_dict['USER'] or 'postgres'}@{settings_dict['HOST'] or '127.0.0.1'}:"
        f"{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
    )


def wait_for_worker(process, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"The Celery worker exited with code {process.returncode}.")
        if app.control.ping(timeout=0.5):
            return
    raise RuntimeError("The Celery worker did not answer a ping within a minute.")


def start_worker(log_path, name):
    """A real `celery worker` process on the test database and the test broker."""
    env = os.environ | {
        "DATABASE_URL": database_url(connection.settings_dict),
        "PYTHONUNBUFFERED": "1",
    }
    log = open(log_path, "w")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "protoplatform",
            "worker",
            "--concurrency=1",
            "--loglevel=INFO",
            f"--hostname={name}@%h",
            "--without-mingle",
            "--without-gossip",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    process.log = log
    process.log_path = log_path
    return process


def stop_worker(process, sig=None):
    if process.poll() is None:
        if sig is None:
            process.terminate()
        else:
            process.send_signal(sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    process.log.close()


@pytest.fixture
def celery_worker(transactional_db, tmp_path):
    """Start a worker for one test and stop it afterwards; its log is printed on failure."""
    app.control.purge()
    process = start_worker(tmp_path / "worker.log", "test-worker")
    try:
        wait_for_worker(process)
        yield process
    finally:
        stop_worker(process)
        sys.stdout.write(Path(process.log_path).read_text()[-4000:])


def wait_until(predicate, timeout=30, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    return predicate()
