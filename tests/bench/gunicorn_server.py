"""gunicorn as deployed (gunicorn.conf.py) on a loopback port, for the benchmarks that drive it."""

import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port, env, log_path, workers, *options, boot_seconds=30):
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
    deadline = time.monotonic() + boot_seconds
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5)
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
