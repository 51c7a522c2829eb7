"""How long a fresh clone takes from `make run` to its first page: the README promises < 60 s.

Clones the repository's committed state into a temporary directory, runs `make run` there
(a new virtualenv; pip may use its cache) and asks http://127.0.0.1:8000/ every quarter of a
second until it answers. Prints each line of `make run` with the seconds since the start, then
the time to the first page, the time each step took and the machine's load average (the
figure means little on a busy machine without it); exits 1 past the budget. Run it with
`make run-timed`.
"""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

BUDGET_SECONDS = 60
GIVE_UP_SECONDS = 600
URL = "http://127.0.0.1:8000/"
REPOSITORY = Path(__file__).resolve().parents[2]
# The commands `make run` echoes, in order: each starts a step that ends where the next starts.
STEPS = (
    ("pip install", "pip install"),
    ("migrate", "manage.py migrate"),
    ("demo", "manage.py demo"),
    ("runserver to first page", "manage.py runserver"),
)


def port_in_use(port=8000):
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def answers():
    try:
        with urllib.request.urlopen(URL, timeout=2) as response:
            return response.status < 500
    except (urllib.error.URLError, OSError):
        return False


def echo(stream, start, starts):
    for line in stream:
        now = time.monotonic() - start
        for name, command in STEPS:
            if command in line and name not in starts:
                starts[name] = now
        print(f"[{now:6.1f} s] {line.rstrip()}", flush=True)


def step_times(starts, elapsed):
    """Seconds per step: from its command to the next step's (the first from the start)."""
    marks = [("venv and system packages", 0.0)] + [
        (name, starts[name]) for name, _ in STEPS if name in starts
    ]
    ends = [at for _, at in marks[1:]] + [elapsed]
    return [(name, end - at) for (name, at), end in zip(marks, ends, strict=True)]


def main():
    if port_in_use():
        sys.exit("Port 8000 is taken: stop what serves it first.")
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "fresh"
        subprocess.run(["git", "clone", "--quiet", str(REPOSITORY), str(fresh)], check=True)
        env = {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}
        start = time.monotonic()
        make = subprocess.Popen(
            ["make", "run"],
            cwd=fresh,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        starts = {}
        threading.Thread(target=echo, args=(make.stdout, start, starts), daemon=True).start()
        try:
            while not answers():
                if make.poll() is not None:
                    sys.exit(f"`make run` stopped (exit {make.returncode}) before serving a page.")
                if time.monotonic() - start > GIVE_UP_SECONDS:
                    sys.exit(f"No page after {GIVE_UP_SECONDS} s.")
                time.sleep(0.25)
            elapsed = time.monotonic() - start
        finally:
            os.killpg(make.pid, signal.SIGTERM)
            make.wait(timeout=30)
    for name, seconds in step_times(starts, elapsed):
        print(f"  {name:<26} {seconds:6.1f} s")
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"Load average (1, 5, 15 min): {load} on {os.cpu_count()} cores")
    verdict = "within" if elapsed < BUDGET_SECONDS else "OVER"
    print(f"First page of a fresh clone after {elapsed:.1f} s ({verdict} {BUDGET_SECONDS} s)")
    sys.exit(0 if elapsed < BUDGET_SECONDS else 1)


if __name__ == "__main__":
    main()
