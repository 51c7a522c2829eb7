"""Fixtures of the fault tests (loaded with `pytest_plugins` by the test_faults_* modules).

`stack` runs the product the way production does, as separate processes sharing only the
database and a Redis: gunicorn web processes and Celery workers, all on pytest-django's
PostgreSQL test database and on a private Redis the test may stop and start.
"""

import os
import signal
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from tests.integration.conftest import database_url
from tests.integration.services import (
    ROOT,
    PrivateRedis,
    product_env,
    start_celery_worker,
    start_gunicorn,
    stop_process,
    stop_processes,
    tail,
    wait_for_celery_ready,
)


class Stack:
    def __init__(self, env, directory, redis):
        self.env = env
        self.directory = directory
        self.redis = redis
        self.processes = []

    def web(self, workers=2, **env):
        """A gunicorn process of its own (several make "several web machines")."""
        name = f"gunicorn-{len(self.processes)}"
        process = start_gunicorn(
            self.env | env, self.directory / f"{name}.log", workers=workers, threads=2
        )
        process.name = name
        self.processes.append(process)
        return process

    def worker(self, name, wait=True, **env):
        """A Celery worker; `env` adds variables (e.g. a pause file for worker_hooks)."""
        process = start_celery_worker(
            self.env | {key: str(value) for key, value in env.items()},
            self.directory / f"{name}.log",
            name,
            include=["tests.integration.worker_hooks"],
        )
        process.name = name
        self.processes.append(process)
        if wait:
            wait_for_celery_ready(process)
        return process

    def kill(self, process):
        """SIGKILL the process and its children at once, as a machine dying would."""
        os.killpg(process.pid, signal.SIGKILL)
        stop_process(process)

    def sweep(self):
        """Have a worker run the beat's job sweep now (`celery call`, as beat would send it)."""
        subprocess.run(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "protoplatform",
                "call",
                "prototypes.jobs.sweep_pending_jobs",
            ],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
        )

    def logs(self):
        return "\n".join(
            f"----- {process.name} -----\n{tail(process.log_path, 3000)}"
            for process in self.processes
        )


@pytest.fixture
def stack(transactional_db, tmp_path):
    redis = PrivateRedis(tmp_path / "redis")
    redis.start()
    env = product_env(
        DATABASE_URL=database_url(connection.settings_dict),
        REDIS_URL=redis.url(1),
        CELERY_BROKER_URL=redis.url(0),
        # The same directory as this process's MEDIA_ROOT (tests/conftest.py's media_in_tmp).
        MEDIA_ROOT=settings.MEDIA_ROOT,
        LOG_LEVEL="INFO",
    )
    stack = Stack(env, tmp_path, redis)
    try:
        yield stack
    finally:
        stop_processes(stack.processes)
        redis.stop()
        # Shown by pytest when the test failed.
        sys.stdout.write(stack.logs())
