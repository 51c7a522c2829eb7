"""The participant player on a phone over slow networks: Chromium against gunicorn as deployed.

A gunicorn serving production settings (DEBUG off, static files collected by WhiteNoise with
hashed names and precompressed, HTTP compression for pages and JSON) over the demo study in a
fresh SQLite database. For each network preset of Chrome DevTools (applied with the DevTools
protocol, the browser cache disabled as on a first visit), one participant on a 375×667 phone:

- link → welcome page shown;
- reads the welcome page for 5 s, consents, "Start" → the first task shown (the session starts
  in the background);
- reads the first task for 3 s, then "Start the task" → its screen painted (the player fetched
  it while the participant read);
- clicks a hotspot at once → the next screen painted, then after reading 4 s clicks another;
- the bytes transferred until the first screen was painted.

Goals (issue #21): "Start" → task and "start" → screen under 100 ms on every preset, click at
once → next screen under 300 ms on Fast 3G, link → welcome under 1.5 s on Fast 3G, under
200 KiB to the first screen. Asserted with room for a busy machine; all figures printed, with
the load average (the network presets delay in the browser's network stack, by the clock, so
a busy CPU shows mostly on loopback).
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.bench.gunicorn_server import free_port, start_gunicorn, stop_gunicorn

pytestmark = [pytest.mark.e2e, pytest.mark.bench]

REPO = Path(__file__).resolve().parents[2]
PHONE = {"viewport": {"width": 375, "height": 667}, "is_mobile": True, "has_touch": True}
# Chrome DevTools' presets (latency in ms, throughput in bytes per second).
PRESETS = {
    "loopback": None,
    "Fast 3G": {"latency": 562.5, "down": 1_600_000 * 0.9 / 8, "up": 750_000 * 0.9 / 8},
    "Slow 3G": {"latency": 2000, "down": 400_000 * 0.9 / 8, "up": 400_000 * 0.9 / 8},
}
WELCOME_READING_MS = 5000
TASK_READING_MS = 3000
SCREEN_READING_MS = 4000
GOAL_START_MS = 100
GOAL_CLICK_AT_ONCE_FAST_3G_MS = 300
GOAL_WELCOME_FAST_3G_MS = 1500
GOAL_BYTES = 200 * 1024
# Room for a machine busy with other work: a goal is asserted at this multiple.
ROOM = 1.5

# Installed before the page's scripts: when each step of the player first shows, every click,
# and when each picture of a screen (a placeholder or the full image) is painted.
TIMING = """
window.afterPaint = (callback) => requestAnimationFrame(() => {
  const channel = new MessageChannel();
  channel.port1.onmessage = () => callback(performance.now());
  channel.port2.postMessage(null);
});
window.timing = {phases: {}, clicks: [], pictures: []};
document.addEventListener("click", (event) => window.timing.clicks.push(event.timeStamp), true);
new MutationObserver((mutations) => {
  for (const mutation of mutations) {
    const phase = mutation.target.dataset && mutation.target.dataset.phase;
    if (mutation.type === "attributes" && phase && !mutation.target.hidden) {
      window.timing.phases[phase] = window.timing.phases[phase] || performance.now();
    }
    for (const node of mutation.addedNodes) {
      if (node instanceof HTMLImageElement && node.classList.contains("player-image")) {
        const placeholder = node.classList.contains("player-image-placeholder");
        window.afterPaint((now) => window.timing.pictures.push({
          at: now, placeholder, shown: node.complete && node.naturalWidth > 0,
        }));
      }
    }
  }
}).observe(document, {
  childList: true, subtree: true, attributes: true, attributeFilter: ["hidden"],
});
"""
# The welcome page is in the page as served: it shows with the first contentful paint (or, for a
# player that reveals it from its script, when it is revealed).
WELCOME_SHOWN = """async () => {
  const painted = () => performance.getEntriesByName("first-contentful-paint")[0];
  const phase = () => window.timing.phases.welcome;
  const visible = () => {
    const section = document.querySelector('[data-phase="welcome"]');
    return section && !section.hidden;
  };
  while (!(visible() && painted())) await new Promise((resolve) => setTimeout(resolve, 20));
  return Math.max(painted().startTime, phase() || 0);
}"""
BYTES_SO_FAR = """() => performance.getEntriesByType("navigation")
  .concat(performance.getEntriesByType("resource"))
  .reduce((total, entry) => total + entry.transferSize, 0)"""


def run(command, env):
    subprocess.run(command, cwd=REPO, env=env, check=True, capture_output=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("bench_player_network")
    port = free_port()
    env = {
        **os.environ,
        "DEBUG": "0",
        "DJANGO_SETTINGS_MODULE": "protoplatform.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "VAR_DIR": str(tmp_path),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "SECURE_SSL_REDIRECT": "0",
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "",
        "LOG_LEVEL": "WARNING",
    }
    run([sys.executable, "manage.py", "migrate", "--noinput"], env)
    run([sys.executable, "manage.py", "collectstatic", "--noinput"], env)
    fixture = subprocess.run(
        [sys.executable, "-m", "tests.bench.player_fixture"],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    path = json.loads(fixture.stdout.strip().splitlines()[-1])["path"]
    process = start_gunicorn(port, env, tmp_path / "gunicorn.log", 2)
    try:
        yield SimpleNamespace(url=f"http://127.0.0.1:{port}{path}")
    finally:
        stop_gunicorn(process)


def picture_after(page, count):
    """The first picture painted after the first `count`: (painted at, placeholder or not)."""
    page.wait_for_function(f"() => window.timing.pictures.length > {count}", timeout=60_000)
    picture = page.evaluate(f"window.timing.pictures[{count}]")
    assert picture["shown"], "a screen was put in the page before its picture was decoded"
    return picture


def participant(browser, url, preset):
    """One participant through the first screens on this network; their timings."""
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.add_init_script(TIMING)
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        if preset is not None:
            cdp.send(
                "Network.emulateNetworkConditions",
                {
                    "offline": False,
                    "latency": preset["latency"],
                    "downloadThroughput": preset["down"],
                    "uploadThroughput": preset["up"],
                },
            )
        page.goto(url, wait_until="commit")
        welcome = page.evaluate(WELCOME_SHOWN)
        page.wait_for_timeout(WELCOME_READING_MS)
        page.get_by_role("checkbox", name="I have read this and I agree.").tap()
        page.get_by_role("button", name="Start", exact=True).tap()
        page.wait_for_function("() => window.timing.phases['task-intro'] !== undefined")
        task_ms = page.evaluate("window.timing.phases['task-intro'] - window.timing.clicks.at(-1)")
        page.wait_for_timeout(TASK_READING_MS)
        page.get_by_role("button", name="Start the task").tap()
        first = picture_after(page, 0)
        clicks = page.evaluate("window.timing.clicks")
        start_ms = first["at"] - clicks[-1]
        bytes_to_first = page.evaluate(BYTES_SO_FAR)

        def click(label):
            pictures = page.evaluate("window.timing.pictures.length")
            page.get_by_role("button", name=label, exact=True).tap()
            picture = picture_after(page, pictures)
            return picture["at"] - page.evaluate("window.timing.clicks")[-1], picture

        at_once_ms, at_once = click("Account")
        page.wait_for_timeout(SCREEN_READING_MS)
        after_reading_ms, after_reading = click("My orders")
        return SimpleNamespace(
            welcome=welcome,
            task=task_ms,
            start=start_ms,
            start_placeholder=first["placeholder"],
            at_once=at_once_ms,
            at_once_placeholder=at_once["placeholder"],
            after_reading=after_reading_ms,
            after_reading_placeholder=after_reading["placeholder"],
            bytes=bytes_to_first,
        )
    finally:
        context.close()


def test_the_first_screens_show_at_once_on_slow_networks(server, browser, capsys):
    participant(browser, server.url, None)  # warm the server's workers up
    load_before = os.getloadavg()
    results = {name: participant(browser, server.url, preset) for name, preset in PRESETS.items()}
    load_after = os.getloadavg()

    def picture(ms, placeholder):
        return f"{ms:7.0f} ms{' (thumbnail first)' if placeholder else ''}"

    with capsys.disabled():
        print("\nParticipant player on a 375×667 phone, gunicorn with production settings:")
        for name, r in results.items():
            print(
                f"  {name:<9} link → welcome {r.welcome:7.0f} ms; “Start” → task "
                f"{r.task:4.0f} ms; “Start the task” → screen "
                f"{picture(r.start, r.start_placeholder)}; click at once → next "
                f"{picture(r.at_once, r.at_once_placeholder)}; click after 4 s → next "
                f"{picture(r.after_reading, r.after_reading_placeholder)}; "
                f"{r.bytes / 1024:.0f} KiB to the first screen"
            )
        print(
            f"  load average (1, 5, 15 min) before {', '.join(f'{x:.1f}' for x in load_before)}"
            f", after {', '.join(f'{x:.1f}' for x in load_after)} on {os.cpu_count()} CPUs"
        )
    for name, r in results.items():
        assert r.task < GOAL_START_MS * ROOM, name
        assert r.start < GOAL_START_MS * ROOM, name
        assert r.bytes < GOAL_BYTES, name
    assert results["Fast 3G"].at_once < GOAL_CLICK_AT_ONCE_FAST_3G_MS * ROOM
    assert results["Fast 3G"].welcome < GOAL_WELCOME_FAST_3G_MS * ROOM
