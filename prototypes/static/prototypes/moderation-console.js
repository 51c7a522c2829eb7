/*
 * The facilitator's console (moderation/console.html).
 *
 * Reads the feed (moderated_feed: the participant's events after the last id seen, where they
 * are, the wizard turn waiting) every two seconds, and at once when the live channel says the
 * participant's session moved. Sends the controls and the wizard's answers as plain POSTs; the
 * buttons also work without this script, as a form.
 */
(function () {
  "use strict";

  const root = document.getElementById("console");
  if (!root) return;
  const csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
  const hereKey = "protoplatform.console.here." + root.dataset.session;
  const STATES = { scheduled: "Scheduled", live: "Live", paused: "Paused", ended: "Ended" };
  const MAX_LINES = 100;

  let here = readHere();
  let last = 0;
  let stream = null;
  let turnShown = null;
  let busy = false;
  let again = false;
  let state = "scheduled";

  function part(name) {
    return root.querySelector(`[data-console="${name}"]`);
  }

  function readHere() {
    try {
      return window.sessionStorage.getItem(hereKey) === "1";
    } catch (error) {
      return false;
    }
  }

  function setHere(value) {
    here = value;
    try {
      window.sessionStorage.setItem(hereKey, value ? "1" : "0");
    } catch (error) {
      // This tab forgets it on reload: the facilitator joins again.
    }
  }

  function problem(text) {
    part("problem").textContent = text || "";
    part("problem").hidden = !text;
  }

  async function post(url, fields) {
    const response = await window.fetch(url, {
      method: "POST",
      headers: { "X-CSRFToken": csrf, Accept: "application/json" },
      body: new URLSearchParams(fields),
      credentials: "same-origin",
    });
    const body = await response.json().catch(() => ({}));
    return { ok: response.ok, body: body };
  }

  // The feed ---------------------------------------------------------------------------------

  async function refresh() {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    try {
      const url = `${root.dataset.feedUrl}?after=${last}${here ? "&here=1" : ""}`;
      const response = await window.fetch(url, { credentials: "same-origin" });
      if (response.ok) render(await response.json());
    } catch (error) {
      // Offline: the next round catches up from the last event id.
    } finally {
      busy = false;
      if (again) {
        again = false;
        refresh();
      }
    }
  }

  function render(feed) {
    last = feed.last;
    state = feed.state;
    part("state").textContent = STATES[feed.state] || feed.state;
    part("participant").textContent = feed.participant
      ? "The participant's session: " + feed.participant.label.toLowerCase() + "."
      : "Waiting for the participant to open their link.";
    showControls();
    if (feed.screen) showScreen(feed.screen);
    feed.events.forEach(addActivity);
    if (feed.screen) drawClicks(feed.events, feed.screen);
    showTurn(feed.turn);
    const turns = part("turns");
    turns.replaceChildren(
      ...feed.turns.map((turn) => {
        const item = document.createElement("li");
        item.textContent = turn.text;
        return item;
      })
    );
    if (feed.participant && !stream && window.EventSource) {
      stream = new window.EventSource(root.dataset.streamUrl);
      stream.addEventListener("activity", refresh);
      stream.addEventListener("moderation", refresh);
    }
  }

  function showControls() {
    const enabled = {
      join: !here && state !== "ended",
      leave: here,
      next_task: here && state === "live",
      pause: here && state === "live",
      resume: here && state === "paused",
      end: state !== "ended",
    };
    root.querySelectorAll("button[data-action]").forEach((button) => {
      button.hidden = !enabled[button.dataset.action];
    });
  }

  function showScreen(screen) {
    part("screen-name").textContent = screen.name;
    const flow = part("flow");
    if (flow) {
      flow.hidden = false;
      flow.querySelectorAll(".sketch-device[data-aspect]").forEach((device) => {
        device.style.setProperty("--aspect", device.dataset.aspect);
      });
      flow.querySelectorAll("section[data-step]").forEach((section) => {
        section.hidden = section.dataset.step !== screen.step;
      });
      return;
    }
    const image = part("image");
    if (screen.image && image.getAttribute("src") !== screen.image) {
      image.src = screen.image;
      image.alt = screen.name;
      part("clicks").replaceChildren();
    }
    image.hidden = !screen.image;
  }

  function drawClicks(events, screen) {
    const layer = part("clicks");
    if (!layer) return;
    events
      .filter((event) => event.screen === screen.id && event.x !== undefined)
      .forEach((event) => {
        const dot = document.createElement("span");
        dot.className = "moderation-click" + (event.type === "misclick" ? " is-miss" : "");
        dot.style.left = event.x * 100 + "%";
        dot.style.top = event.y * 100 + "%";
        layer.append(dot);
      });
  }

  function addActivity(event) {
    const list = part("activity");
    const item = document.createElement("li");
    const seconds = Math.floor(event.t / 1000);
    item.textContent = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")} ${event.text}`;
    item.dataset.type = event.type;
    list.prepend(item);
    while (list.children.length > MAX_LINES) list.lastElementChild.remove();
  }

  // Wizard of Oz -----------------------------------------------------------------------------

  function showTurn(turn) {
    const panel = part("wizard");
    panel.hidden = !turn;
    if (!turn) {
      turnShown = null;
      return;
    }
    part("turn-left").textContent = `${Math.ceil(turn.left_ms / 1000)} s before the script's fallback answers.`;
    if (turnShown === turn.id) return;
    turnShown = turn.id;
    part("turn-step").textContent = turn.step;
    part("turn-text").textContent = turn.text;
    part("suggestions").replaceChildren(
      ...turn.suggestions.map((suggestion) => {
        const button = document.createElement("button");
        button.type = "button";
        button.className = suggestion.script ? "" : "secondary outline";
        button.dataset.target = suggestion.step;
        button.textContent =
          `Go to ${suggestion.title}` +
          (suggestion.says ? `: “${suggestion.says}”` : "") +
          (suggestion.script ? " (the script's answer)" : "");
        return button;
      })
    );
    part("reply-form").reset();
    const first = part("suggestions").querySelector("button");
    if (first) first.focus();
  }

  async function answer(fields) {
    const url = root.dataset.answerUrl.replace("/0/", `/${turnShown}/`);
    const result = await post(url, fields);
    problem(result.ok ? "" : result.body.error || "The answer could not be sent.");
    refresh();
  }

  // Wiring -----------------------------------------------------------------------------------

  root.addEventListener("click", async (event) => {
    const suggestion = event.target.closest("[data-target]");
    if (suggestion && part("suggestions").contains(suggestion)) {
      answer({ target: suggestion.dataset.target });
      return;
    }
    const control = event.target.closest("button[data-action]");
    if (!control) return;
    event.preventDefault();
    const action = control.dataset.action;
    const result = await post(root.dataset.commandUrl, { action: action });
    if (!result.ok) {
      problem(result.body.error || "That did not work.");
      return;
    }
    problem("");
    if (action === "join") setHere(true);
    if (action === "leave") setHere(false);
    refresh();
  });

  if (part("step-form")) {
    part("step-form").addEventListener("submit", (event) => {
      event.preventDefault();
      answer({ target: event.target.elements.target.value });
    });
  }

  part("reply-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const reply = event.target.elements.reply.value.trim();
    if (reply) answer({ reply: reply });
  });

  window.setInterval(refresh, 2000);
  refresh();
})();
