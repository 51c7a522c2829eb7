/*
 * A moderated session, on the participant's side (moderation/participant.html).
 *
 * Follows the facilitator's commands (join, leave, pause, resume, next task, end, wizard
 * replies) pushed as server-sent events, and asks for them every few seconds when the push is
 * down; commands have increasing ids, and the last one applied is kept in localStorage, so a
 * reload or a reconnection never applies one twice. Shows "your facilitator is here" in a
 * polite live region, blocks the player while paused, and answers the flow's [wizard] steps
 * through a person (window.ScriptPlayer.resolveAnswer, used by script-player.js).
 * Recording stays with the player's event queue: nothing here records events.
 */
(function () {
  "use strict";

  const urlsElement = document.getElementById("moderation-urls");
  const root = document.getElementById("player");
  if (!urlsElement || !root) return;
  const urls = JSON.parse(urlsElement.textContent);
  const presence = document.getElementById("moderation-presence");
  const presenceText = presence.querySelector("[data-moderation-text]");
  const pauseNote = document.getElementById("moderation-pause");
  const POLL_MS = 2000;
  // With the push working, a poll now and then still notices a facilitator whose console closed.
  const PRESENCE_POLL_MS = 10000;
  const lastKey = "protoplatform.moderation." + urls.commands;
  // The answer a person is giving, kept so that a reload waits for it rather than asking again.
  const answerKey = "protoplatform.moderation.answer." + urls.route;

  let lastCommand = Number(readStored() || 0);
  let firstLook = readStored() === null;
  let state = "scheduled";
  let facilitator = false;
  let attached = null;
  let stream = null;
  let lastPoll = 0;
  const waiting = new Map(); // wizard turn id -> function settling its promise

  function readStored() {
    try {
      return window.localStorage.getItem(lastKey);
    } catch (error) {
      return null;
    }
  }

  function store() {
    try {
      window.localStorage.setItem(lastKey, String(lastCommand));
    } catch (error) {
      // Without storage a reload may show a command's effect again; nothing is recorded twice.
    }
  }

  function player() {
    return window.Protoplatform && window.Protoplatform.Player;
  }

  // Commands ---------------------------------------------------------------------------------

  function run(command) {
    if (command.id <= lastCommand) return;
    lastCommand = command.id;
    store();
    // A device seeing the session for the first time takes the state as it is now, but does not
    // act on what was asked before it came (moving on, an old wizard reply).
    const act = !firstLook;
    if (command.kind === "join") facilitator = true;
    else if (command.kind === "leave") facilitator = false;
    else if (command.kind === "pause") state = "paused";
    else if (command.kind === "resume") state = "live";
    else if (command.kind === "end") state = "ended";
    else if (command.kind === "next_task" && act && player()) player().nextTask();
    else if (command.kind === "wizard") {
      const settle = waiting.get(command.data.turn.id);
      if (settle) settle(command.data.turn);
    }
  }

  function apply(body) {
    body.commands.forEach(run);
    // An answer that left the server before a command the push has since brought is stale.
    if (body.last >= lastCommand) {
      state = body.state;
      facilitator = body.facilitator;
    }
    firstLook = false;
    render();
  }

  function render() {
    const messages = presenceText.dataset;
    let text = "";
    if (state === "ended") text = messages.ended;
    else if (state === "paused") text = messages.paused;
    else if (facilitator) text = messages.here;
    if (presenceText.textContent !== text) presenceText.textContent = text;
    presence.classList.toggle("is-shown", Boolean(text));
    presence.classList.toggle("is-paused", state === "paused");
    pauseNote.hidden = state !== "paused";
    root.inert = state === "paused";
    if (player()) {
      if (state === "paused") player().pause();
      else player().resume();
    }
    if (state === "ended" && player()) player().end();
  }

  async function poll() {
    lastPoll = Date.now();
    try {
      const response = await window.fetch(urls.commands + "?after=" + lastCommand, {
        credentials: "same-origin",
      });
      if (response.ok) apply(await response.json());
    } catch (error) {
      // Offline: the next poll or the stream catches up.
    }
  }

  function listen() {
    if (!window.EventSource || stream) return;
    stream = new window.EventSource(urls.stream + "?last_event_id=" + lastCommand);
    stream.addEventListener("command", (event) => {
      run(JSON.parse(event.data));
      render();
    });
  }

  function tick() {
    const streaming = stream && stream.readyState === window.EventSource.OPEN;
    if (!streaming || Date.now() - lastPoll >= PRESENCE_POLL_MS) poll();
  }

  async function attach(token) {
    if (!token || attached === token) return;
    attached = token;
    try {
      const response = await window.fetch(urls.attach, {
        method: "POST",
        body: new URLSearchParams({ session: token }),
        credentials: "same-origin",
      });
      if (response.ok) apply(await response.json());
      else attached = null;
    } catch (error) {
      attached = null; // tried again on the next tick
    }
  }

  // Wizard of Oz -----------------------------------------------------------------------------

  function waitForPerson(id, waitMs) {
    return new Promise((resolve) => {
      let poller = null;
      let deadline = null;
      const settle = (turn) => {
        if (!turn || turn.state === "pending") return;
        waiting.delete(id);
        window.clearInterval(poller);
        window.clearTimeout(deadline);
        resolve(turn);
      };
      const check = async () => {
        try {
          const response = await window.fetch(urls.turn + "?id=" + id, {
            credentials: "same-origin",
          });
          if (response.ok) settle((await response.json()).turn);
        } catch (error) {
          // Asked again shortly.
        }
      };
      waiting.set(id, settle);
      // The push brings the answer; asking now and then covers a push that did not arrive, and
      // asking at the deadline lets the server settle the turn with the script's fallback.
      poller = window.setInterval(check, POLL_MS * 2);
      deadline = window.setTimeout(check, waitMs + 250);
    });
  }

  function pendingAnswer() {
    try {
      return JSON.parse(window.localStorage.getItem(answerKey) || "null");
    } catch (error) {
      return null;
    }
  }

  function keepAnswer(value) {
    try {
      if (value) window.localStorage.setItem(answerKey, JSON.stringify(value));
      else window.localStorage.removeItem(answerKey);
    } catch (error) {
      // Without storage a reload asks the participant again; the first answer is still settled.
    }
  }

  window.ScriptPlayer = window.ScriptPlayer || {};
  window.ScriptPlayer.resolveAnswer = async function (request) {
    const choice = request.choice === null ? null : request.choice;
    const pending = pendingAnswer();
    let turnId;
    let waitMs;
    if (
      pending &&
      pending.step === request.step &&
      pending.text === request.text &&
      pending.choice === choice
    ) {
      // The page reloaded while this answer waited for a person: wait for the same turn.
      turnId = pending.turn;
      waitMs = Math.max(0, pending.deadline - Date.now());
    } else {
      const body = new URLSearchParams({ step: request.step, text: request.text });
      if (choice !== null) body.set("choice", String(choice));
      const response = await window.fetch(urls.route, {
        method: "POST",
        body: body,
        credentials: "same-origin",
      });
      if (!response.ok) throw new Error("HTTP " + response.status);
      const answer = await response.json();
      if (!answer.turn) return { target: answer.target, reply: "" };
      turnId = answer.turn.id;
      waitMs = answer.wait_ms;
      keepAnswer({
        step: request.step,
        text: request.text,
        choice: choice,
        turn: turnId,
        deadline: Date.now() + waitMs,
      });
    }
    request.typing(true);
    try {
      const turn = await waitForPerson(turnId, waitMs);
      keepAnswer(null);
      return { target: turn.target, reply: turn.reply };
    } finally {
      request.typing(false);
    }
  };
  /** What the participant answered on `step` before the page went away, while a person was
   * answering ({text, choice}), or null: script-player.js gives it again on its way back. */
  window.ScriptPlayer.pendingAnswer = function (step) {
    const pending = pendingAnswer();
    return pending && pending.step === step ? { text: pending.text, choice: pending.choice } : null;
  };

  // Wiring -----------------------------------------------------------------------------------

  root.addEventListener("player:session", (event) => attach(event.detail.token));
  window.setInterval(() => {
    if (player()) attach(player().sessionToken());
    tick();
  }, POLL_MS);
  if (player()) attach(player().sessionToken());
  poll().then(listen);
})();
