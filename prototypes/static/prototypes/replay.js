/*
 * Session replay: plays one participant's recorded events back (reports/replay.html).
 *
 * The page embeds the session as JSON (reports/replay.py). Playback runs on its own clock:
 * every event has a position on it, equal to its recorded time, or with "skip idle time" the
 * sum of the pauses before it, each cut to idle_cap_ms. A click that opens another screen is
 * held click_hold_ms on its own screen first. What the stage shows at a position is
 * rebuilt from the events before it, so seeking anywhere (backwards too) shows exactly what
 * playing up to there would.
 */
(function () {
  "use strict";

  const root = document.getElementById("replay");
  if (!root) return;
  const data = JSON.parse(document.getElementById(root.dataset.replay).textContent);
  const events = data.events;
  const screens = data.screens;
  const tasks = data.tasks;
  const taskCount = Object.keys(tasks).length;
  const CLICKS = new Set(["click", "misclick"]);
  // Events that take the stage away from the screen a click was made on.
  const LEAVES_SCREEN = new Set(["navigate", "task_end"]);

  const slot = (name) => root.querySelector(`[data-slot="${name}"]`);
  const playButton = root.querySelector('[data-action="play"]');
  const speedSelect = root.querySelector('[data-action="speed"]');
  const skipIdle = root.querySelector('[data-action="skip-idle"]');
  const scrubber = root.querySelector('[data-action="seek"]');
  const surface = slot("surface");
  const layer = document.createElement("div");
  layer.className = "replay-layer";
  surface.append(layer);

  const device = root.querySelector(".sketch-device[data-aspect]");
  if (device) device.style.setProperty("--aspect", device.dataset.aspect);

  let timeline = [];
  let position = 0; // on the playback clock, in milliseconds
  let shown = -1; // how many events the stage currently shows
  let playing = false;
  let lastFrame = null;

  // The clock -------------------------------------------------------------------------------

  function buildTimeline() {
    const cap = skipIdle.checked ? data.idle_cap_ms : Infinity;
    let at = 0;
    let previous = 0;
    timeline = events.map((event, index) => {
      let pause = Math.min(event.t - previous, cap);
      const before = events[index - 1];
      if (before && CLICKS.has(before.type) && LEAVES_SCREEN.has(event.type)) {
        pause = Math.max(pause, data.click_hold_ms);
      }
      at += pause;
      previous = event.t;
      return at;
    });
    scrubber.max = String(end());
  }

  function end() {
    return timeline.length ? timeline[timeline.length - 1] : 0;
  }

  /** How many events have happened by `at` on the playback clock. */
  function happenedBy(at) {
    let low = 0;
    let high = timeline.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (timeline[middle] <= at) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** The participant's own time (ms since the session started) at a playback position. */
  function realTime(at) {
    const count = happenedBy(at);
    if (count === 0) return Math.min(at, events.length ? events[0].t : 0);
    const last = count - 1;
    const next = events[count];
    const since = at - timeline[last];
    return next ? Math.min(events[last].t + since, next.t) : events[last].t;
  }

  /** The playback position at a moment of the participant's own time: realTime's inverse. */
  function positionAt(ms) {
    const count = happenedByRealTime(ms);
    if (count === 0) return Math.min(ms, timeline.length ? timeline[0] : 0);
    const last = count - 1;
    const at = timeline[last] + (ms - events[last].t);
    return count < timeline.length ? Math.min(at, timeline[count]) : Math.min(at, end());
  }

  function happenedByRealTime(ms) {
    let count = 0;
    while (count < events.length && events[count].t <= ms) count += 1;
    return count;
  }

  function clockText(ms) {
    const seconds = Math.floor(ms / 1000);
    return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
  }

  // What the stage shows ----------------------------------------------------------------------

  /** The participant's situation after the first `count` events. */
  function situation(count) {
    const state = { task: null, screen: null, marks: [], ended: null, finished: false };
    for (let index = 0; index < count; index += 1) {
      const event = events[index];
      switch (event.type) {
        case "task_start":
          state.task = event.task;
          state.ended = null;
          showOn(state, event.screen);
          break;
        case "navigate":
          showOn(state, event.screen);
          break;
        case "click":
        case "misclick":
        case "comment":
          if (event.screen != null && event.screen !== state.screen) showOn(state, event.screen);
          if (event.x != null) state.marks.push(event);
          break;
        case "task_end":
          state.ended = event.task;
          state.task = null;
          state.screen = null;
          state.marks = [];
          break;
        case "session_end":
          state.finished = true;
          state.screen = null;
          break;
        default:
          break;
      }
    }
    return state;
  }

  function showOn(state, screenId) {
    if (screenId == null || screenId === state.screen) return;
    state.screen = screenId;
    state.marks = [];
  }

  /** Before the first event, the screen the session starts on: never a blank stage. */
  function opening(state) {
    const first = events.find((event) => event.screen != null && screens[String(event.screen)]);
    if (!first) return false;
    state.screen = first.screen;
    state.task = first.task != null ? first.task : null;
    return true;
  }

  function render(count) {
    const state = situation(count);
    const before = count === 0 && opening(state);
    const screen = state.screen != null ? screens[String(state.screen)] : null;
    slot("screen").hidden = !screen;
    slot("interlude").hidden = Boolean(screen);
    if (screen) {
      drawScreen(screen);
      drawMarks(state.marks, count, tasks[String(state.task)]);
    } else {
      slot("interlude").textContent = interludeText(state, count);
    }
    slot("caption").textContent = before
      ? `Before Play: the session starts on “${screen.name}”${
          state.task != null ? ` with ${taskLabel(state.task).toLowerCase()}` : ""
        }. Press Play to watch it, or pick a moment in the list.`
      : captionText(state, screen);
    renderLog(count);
  }

  function drawScreen(screen) {
    if (data.scripted) {
      slot("steps")
        .querySelectorAll("[data-step]")
        .forEach((step) => {
          step.hidden = step.dataset.step !== screen.step;
        });
      return;
    }
    const image = slot("image");
    if (screen.image && image.getAttribute("src") !== screen.image) {
      if (screen.width && screen.height) {
        image.width = screen.width;
        image.height = screen.height;
      }
      image.src = screen.image;
    }
    image.alt = screen.name;
  }

  /** Whether a click hit: a hotspot in a click-through task, the target in a first-click test. */
  function hit(event, target) {
    if (!target) return event.type === "click";
    const [x, y, width, height] = target;
    return event.x >= x && event.x <= x + width && event.y >= y && event.y <= y + height;
  }

  function drawMarks(marks, count, task) {
    layer.replaceChildren();
    const target = task ? task.target : null;
    if (target) {
      const frame = document.createElement("span");
      frame.className = "replay-target";
      frame.style.left = `${target[0] * 100}%`;
      frame.style.top = `${target[1] * 100}%`;
      frame.style.width = `${target[2] * 100}%`;
      frame.style.height = `${target[3] * 100}%`;
      frame.title = "Target area of this first-click test";
      layer.append(frame);
    }
    const latest = count > 0 ? events[count - 1].id : null;
    let number = 0;
    marks.forEach((event) => {
      const mark = document.createElement("span");
      mark.dataset.event = String(event.id);
      mark.dataset.x = String(event.x);
      mark.dataset.y = String(event.y);
      mark.style.left = `${event.x * 100}%`;
      mark.style.top = `${event.y * 100}%`;
      if (event.type === "comment") {
        mark.className = "replay-mark replay-comment";
        mark.title = event.text;
        mark.textContent = "💬";
      } else {
        number += 1;
        mark.dataset.order = String(number);
        const right = hit(event, target);
        mark.className = "replay-mark " + (right ? "replay-click" : "replay-misclick");
        mark.textContent = String(number);
        if (target) {
          mark.title = `First click ${right ? "inside" : "outside"} the target area`;
        } else {
          mark.title = right ? `Click ${number}: ${event.label || "hotspot"}` : `Misclick ${number}`;
        }
      }
      if (event.id === latest) mark.classList.add("is-latest");
      layer.append(mark);
    });
  }

  function taskLabel(taskId) {
    const task = tasks[String(taskId)];
    return task ? `Task ${task.number} of ${taskCount}` : "A task";
  }

  function captionText(state, screen) {
    if (state.task != null) {
      const task = tasks[String(state.task)];
      const where = screen ? ` · on “${screen.name}”` : "";
      return `${taskLabel(state.task)}: ${task ? task.instruction : ""}${where}`;
    }
    return "";
  }

  function interludeText(state, count) {
    if (state.finished) return "The participant finished the session.";
    if (state.ended != null) {
      const task = tasks[String(state.ended)];
      const outcome = task && task.outcome ? ` (${task.outcome.toLowerCase()})` : "";
      return `${taskLabel(state.ended)} ended${outcome}. Answering questions or reading the next task…`;
    }
    if (count === 0) return "Reading the welcome page and the consent…";
    return "Answering the questions…";
  }

  // The log -----------------------------------------------------------------------------------

  function describe(event) {
    switch (event.type) {
      case "task_start":
        return `${taskLabel(event.task)} started: ${tasks[String(event.task)]?.instruction || ""}`;
      case "navigate":
        return `Went to “${screens[String(event.screen)]?.name || "a screen"}”`;
      case "click":
        return `Clicked “${event.label || "a hotspot"}”`;
      case "misclick":
        return tasks[String(event.task)]?.target
          ? `First click, ${hit(event, tasks[String(event.task)].target) ? "inside" : "outside"} the target area`
          : "Misclicked (no hotspot there)";
      case "comment":
        return `Commented: “${event.text}”`;
      case "text":
        return `Typed: “${event.text}”`;
      case "give_up":
        return "Gave up";
      case "task_end":
        return `${taskLabel(event.task)} ended (${reasonText(event.reason)})`;
      case "answer":
        return `Answered ${event.answer}`;
      case "session_end":
        return "Finished the session";
      case "note":
        return `Observer note (${event.author}${event.tags.map((tag) => ` #${tag}`).join("")}): “${event.text}”`;
      default:
        return event.type;
    }
  }

  function reasonText(reason) {
    return (
      { goal: "reached a goal", done: "said they were done", gave_up: "gave up", timed_out: "ran out of time" }[
        reason
      ] || reason
    );
  }

  /** Every event of the session, listed before Play so the whole path can be read first. */
  function buildLog() {
    const log = slot("log");
    log.replaceChildren(
      ...events.map((event, index) => {
        const item = document.createElement("li");
        item.className = `replay-log-${event.type}`;
        const time = document.createElement("time");
        time.textContent = clockText(event.t);
        const button = document.createElement("button");
        button.type = "button";
        button.className = "linklike";
        button.dataset.seek = String(index);
        button.textContent = describe(event);
        item.append(time, " ", button);
        return item;
      })
    );
  }

  /** Marks what has happened by now, the latest event, and what is still to come. */
  function renderLog(count) {
    Array.from(slot("log").children).forEach((item, index) => {
      item.classList.toggle("is-future", index >= count);
      item.classList.toggle("is-latest", index === count - 1);
    });
    shown = count;
  }

  // Playback ----------------------------------------------------------------------------------

  function update() {
    const count = happenedBy(position);
    if (count !== shown) render(count);
    scrubber.value = String(position);
    slot("clock").textContent = `${clockText(realTime(position))} / ${clockText(data.duration_ms)}`;
    // What else plays along (replay-audio.js: the think-aloud audio) follows the participant's time.
    root.dispatchEvent(
      new CustomEvent("replay:tick", {
        detail: { at: realTime(position), playing, speed: Number(speedSelect.value) },
      })
    );
  }

  function seek(at) {
    position = Math.max(0, Math.min(end(), at));
    shown = -1;
    update();
  }

  function frame(now) {
    if (!playing) return;
    if (lastFrame !== null) position += (now - lastFrame) * Number(speedSelect.value);
    lastFrame = now;
    if (position >= end()) {
      position = end();
      setPlaying(false);
    }
    update();
    if (playing) window.requestAnimationFrame(frame);
  }

  function setPlaying(on) {
    playing = on;
    lastFrame = null;
    playButton.textContent = on ? "Pause" : "Play";
    playButton.setAttribute("aria-pressed", String(on));
    if (on) {
      if (position >= end()) seek(0);
      window.requestAnimationFrame(frame);
    } else {
      update(); // what plays along stops too
    }
  }

  playButton.addEventListener("click", () => setPlaying(!playing));
  scrubber.addEventListener("input", () => seek(Number(scrubber.value)));
  skipIdle.addEventListener("change", () => {
    // Keep the same moment of the session in view while the clock changes.
    const count = happenedBy(position);
    buildTimeline();
    seek(count ? timeline[count - 1] : 0);
  });
  root.addEventListener("replay:seek-to", (event) => seek(positionAt(event.detail.at)));
  root.addEventListener("replay:play", (event) => {
    if (playing !== event.detail.on) setPlaying(event.detail.on);
  });
  slot("log").addEventListener("click", (event) => {
    const button = event.target.closest("[data-seek]");
    if (button) seek(timeline[Number(button.dataset.seek)]);
  });

  /** Where to start: the beginning, or the start of the task named in the address (#task-12). */
  function startPosition() {
    const match = /^#task-(\d+)$/.exec(window.location.hash);
    if (!match) return 0;
    const index = events.findIndex(
      (event) => event.type === "task_start" && String(event.task) === match[1]
    );
    return index < 0 ? 0 : timeline[index];
  }

  scrubber.step = "any";
  buildLog();
  buildTimeline();
  seek(startPosition());
})();
