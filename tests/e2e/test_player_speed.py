"""How fast the participant player feels, in Chromium on loopback.

Two figures, each next to a baseline measured in the same run:

* share link → first screen: from navigation start until the task's first screen is decoded,
  in the page and painted, with consent and the two start buttons pressed as soon as they
  show. Baseline: loading a bare static file from the same live server.
* hotspot click → next screen painted: from the click event's timestamp until the frame after
  the player swapped the image. The player decodes the screens one click away in advance, so
  no image may be requested on a click. Baseline: a click on a plain button whose handler swaps
  in an image that is already decoded, timed the same way.

Goals: the first screen in under 1 s, the next screen in under 100 ms.
"""

import statistics
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from tests.e2e.test_player_browser import PHONE, two_task_demo_study

pytestmark = [pytest.mark.e2e, pytest.mark.bench, pytest.mark.django_db(transaction=True)]

FIRST_SCREEN_GOAL_MS = 1000
NEXT_SCREEN_GOAL_MS = 100
PARTICIPANTS = 3
# Screens visited by hotspot (never the task's goal, which would end the task).
WANDER = ["Account", "Home", "Help", "Account", "My orders", "Help", "Where is my order?"]
WANDER += ["Home", "Account", "Help", "Home", "Account", "Home", "Help", "Account", "Home"]

# Installed before the page's own scripts. `afterPaint` runs a callback once the frame that
# shows the current DOM has been produced (a task queued from requestAnimationFrame runs after
# that frame's paint). Recorded: when each step of the player first shows, every click, when
# the first screen is painted and, for each later screen, the time from its click to its paint.
TIMING = """
window.afterPaint = (callback) => requestAnimationFrame(() => {
  const channel = new MessageChannel();
  channel.port1.onmessage = () => callback(performance.now());
  channel.port2.postMessage(null);
});
window.timing = {phases: {}, clicks: [], firstScreen: null, nextScreens: []};
document.addEventListener("click", (event) => window.timing.clicks.push(event.timeStamp), true);
function screenShown(image) {
  const clickedAt = window.timing.clicks[window.timing.clicks.length - 1];
  window.afterPaint((now) => {
    const box = image.getBoundingClientRect();
    const shown = image.complete && image.naturalWidth > 0 && box.width > 0 && box.height > 0;
    if (window.timing.firstScreen === null) {
      window.timing.firstScreen = shown ? now : -1;
      window.timing.firstImage = {
        complete: image.complete, naturalWidth: image.naturalWidth, box: [box.width, box.height],
      };
    }
    else window.timing.nextScreens.push(shown ? now - clickedAt : -1);
  });
}
new MutationObserver((mutations) => {
  for (const mutation of mutations) {
    const phase = mutation.target.dataset && mutation.target.dataset.phase;
    if (mutation.type === "attributes" && phase && !mutation.target.hidden) {
      window.timing.phases[phase] = window.timing.phases[phase] || performance.now();
    }
    for (const node of mutation.addedNodes) {
      if (node instanceof HTMLImageElement && node.classList.contains("player-image")) {
        screenShown(node);
      }
    }
  }
}).observe(document, {
  childList: true, subtree: true, attributes: true, attributeFilter: ["hidden"],
});
"""

# A plain button swapping two decoded images in a box of the screen's size.
BASELINE_SWAP = """async (urls) => {
  const images = await Promise.all(urls.map(async (url) => {
    const image = new Image();
    image.src = url;
    image.width = 281;
    await image.decode();
    return image;
  }));
  const box = document.createElement("div");
  box.style.position = "fixed";
  box.style.inset = "0";
  box.style.zIndex = "100";
  box.style.background = "#fff";
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = "Swap";
  let shown = 0;
  button.addEventListener("click", (event) => {
    shown = 1 - shown;
    box.replaceChild(images[shown], box.lastChild);
    window.afterPaint((now) => window.timing.swaps.push(now - event.timeStamp));
  });
  box.append(button, images[0]);
  document.body.append(box);
  window.timing.swaps = [];
}"""


@pytest.fixture
def study(db):
    return two_task_demo_study()


def open_link_until_first_screen(new_page, url):
    """A new participant opens the link, consents and starts the first task, each as soon as
    the page lets them. The page, and its timing (navigation start = 0)."""
    page = new_page(**PHONE)
    page.add_init_script(TIMING)
    page.goto(url, wait_until="commit")
    page.get_by_role("checkbox", name="I have read this and I agree.").tap()
    page.get_by_role("button", name="Start", exact=True).tap()
    page.get_by_role("button", name="Start the task").tap()
    page.wait_for_function("() => window.timing.firstScreen !== null")
    timing = SimpleNamespace(**page.evaluate("window.timing"))
    # The welcome page is in the page as served: it shows with the first contentful paint.
    timing.phases["welcome"] = page.evaluate(
        "performance.getEntriesByName('first-contentful-paint')[0].startTime"
    )
    assert timing.firstScreen > 0, f"the first screen was not shown: {timing.firstImage}"
    _, start, begin = timing.clicks
    # What the participant waits for, the robot's own clicking left out.
    timing.session_start = timing.phases["task-intro"] - start
    timing.task_start = timing.firstScreen - begin
    timing.waited = timing.phases["welcome"] + timing.session_start + timing.task_start
    return page, timing


def bare_page_ms(new_page, url):
    page = new_page(**PHONE)
    page.goto(url, wait_until="load")
    return page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")


def wander(page):
    """Click through WANDER as a quick participant would; the click-to-paint times."""
    image_requests = []
    page.wait_for_load_state("networkidle")
    page.on(
        "request",
        lambda request: (
            image_requests.append(request.url) if request.resource_type == "image" else None
        ),
    )
    for label in WANDER:
        page.wait_for_timeout(150)  # a quick reader: the neighbours are decoded meanwhile
        done = len(page.evaluate("window.timing.nextScreens"))
        page.get_by_role("button", name=label, exact=True).tap()
        page.wait_for_function(f"() => window.timing.nextScreens.length > {done}")
    times = page.evaluate("window.timing.nextScreens")
    assert min(times) > 0, "a screen was swapped in before it could be shown"
    assert image_requests == [], "an image was requested on a click"
    return times


def baseline_swaps(page, image_urls, count):
    page.evaluate(BASELINE_SWAP, image_urls)
    button = page.get_by_role("button", name="Swap")
    for done in range(count):
        page.wait_for_timeout(150)
        button.tap()
        page.wait_for_function(f"() => window.timing.swaps.length > {done}")
    return page.evaluate("window.timing.swaps")


def test_first_screen_and_next_screen_are_fast(live_server, new_page, study, capsys):
    url = f"{live_server.url}/s/{study.link.token}/"
    bare_url = f"{live_server.url}/static/favicon.svg"
    # A server that has just started imports and compiles on its first requests: warm it up.
    open_link_until_first_screen(new_page, url)
    bare_page_ms(new_page, bare_url)

    bare = [bare_page_ms(new_page, bare_url) for _ in range(PARTICIPANTS)]
    runs = [open_link_until_first_screen(new_page, url) for _ in range(PARTICIPANTS)]
    timings = [timing for _, timing in runs]

    page = runs[-1][0]
    expect(page.locator('[data-slot="screen-name"]')).to_have_text("Home")
    next_screens = wander(page)
    image_urls = page.evaluate(
        "Array.from(new Set(performance.getEntriesByType('resource')"
        ".filter((entry) => entry.initiatorType === 'img').map((entry) => entry.name)))"
    )[:2]
    swaps = baseline_swaps(page, image_urls, len(next_screens))

    def row(name, values):
        return (
            f"  {name:<44} median {statistics.median(values):7.1f} ms   max {max(values):7.1f} ms"
        )

    with capsys.disabled():
        print()
        print(f"Participant player, Chromium on loopback ({PARTICIPANTS} participants):")
        print(row("baseline: bare static file loaded", bare))
        print(row("link → welcome page shown", [t.phases["welcome"] for t in timings]))
        print(row("“Start” → task shown (session starting)", [t.session_start for t in timings]))
        print(row("“Start the task” → first screen painted", [t.task_start for t in timings]))
        print(row("link → first screen: the participant's wait", [t.waited for t in timings]))
        print(row("  the same with the robot's clicking", [t.firstScreen for t in timings]))
        print(row("baseline: plain swap of a decoded image", swaps))
        print(row(f"click → next screen painted ({len(next_screens)} clicks)", next_screens))
    assert statistics.median(t.waited for t in timings) < FIRST_SCREEN_GOAL_MS
    assert max(next_screens) < NEXT_SCREEN_GOAL_MS
