"""gunicorn as deployed (gunicorn.conf.py) on a loopback port, for the benchmarks that drive it."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def free_port():
    """A free loopback port: any, or one of BENCH_PORTS ("8800-8899") on a machine whose users
    share out port ranges."""
    first, _, last = os.environ.get("BENCH_PORTS", "0-0").partition("-")
    for port in range(int(first), int(last or first) + 1):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise OSError(f"No free port in BENCH_PORTS={os.environ['BENCH_PORTS']}.")


def start_gunicorn(port, env, log_path, workers, *options, boot_seconds=120):
    """The gunicorn process serving on 127.0.0.1:port, once /healthz answers within
    boot_seconds (its output goes to log_path)."""
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "protoplatform.wsgi",
                "-c",
                "gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--access-logfile",
                "/dev/null",
                *options,
            ],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    # A worker's first request imports the URLconf: many seconds on a machine busy with other
    # work, and a timed-out try only queues another behind it.
    deadline = time.monotonic() + boot_seconds
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=30)
            return process
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                stop_gunicorn(process)
                raise RuntimeError(Path(log_path).read_text()[-3000:]) from None
            time.sleep(0.2)


def stop_gunicorn(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
