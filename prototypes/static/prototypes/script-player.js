/*
 * Plays a scripted flow prototype in the browser.
 *
 * Markup: the template include "scripted/flow.html" (context from
 * prototypes.authoring.script_publish.playback_context) draws every step of the flow as a
 * <section data-step="name"> inside a device frame, plus the JSON description of the flow in a
 * <script type="application/json"> element. The player shows one section at a time.
 *
 * Use:
 *   const player = ScriptPlayer.mount(rootElement, options);
 *   rootElement  the [data-script-player] element of flow.html. Elements with
 *                data-script-player="auto" are mounted on load with no options (designer preview),
 *                and [data-script-restart][data-script-for="<its flow JSON id>"] buttons restart it.
 *   options.flow        the flow description (default: parsed from the element whose id is
 *                       root.dataset.flowJson). Shape:
 *                       {title, start, version: {id, number},
 *                        steps: [{name, title, kind: "page"|"chat", ending: null|"success"|"failure",
 *                                 screen: Screen id or null (drafts), answers: bool,
 *                                 choices: [{label, target, hotspot: Hotspot id or null}]}]}
 *   options.routeUrl    where typed answers are POSTed (default: root.dataset.routeUrl), as form
 *                       fields step=<step name>&text=<answer>; the answer is {"target": name|null}.
 *   options.csrfToken   sent as X-CSRFToken (default: the token in <body hx-headers>).
 *   options.onEvent(type, detail)  called for everything the participant does, in this order:
 *     "navigate"  {step, screen, from, fromScreen, via: "start"|"choice"|"answer"|"restart"|"goto"}
 *                 a step was shown (the first step too, with via "start" and from null).
 *     "click"     {step, screen, hotspot, label, target, x, y}
 *                 a choice button was pressed; x, y: where, as fractions of the frame (the
 *                 button's centre when pressed from the keyboard). Followed by "navigate" unless
 *                 the target step is missing.
 *     "misclick"  {step, screen, x, y}
 *                 a click in the frame that hit no button or field.
 *     "text"      {step, screen, text, target}
 *                 a typed answer was routed; target is null when the participant stays.
 *                 Followed by "navigate" when target is not null.
 *     "end"       {step, screen, ending: "success"|"failure"}
 *                 an ending step was shown (right after its "navigate").
 *                 Every event is also dispatched on the root element as a bubbling DOM
 *                 CustomEvent "scriptplayer" with detail {type, detail}, for listeners that did
 *                 not mount the player (the auto-mounted preview).
 *   options.resolveAnswer({step, text, choice, typing})  answers a typed text (choice null) or,
 *                       on a step with "wizard": true, a pressed choice (its index) instead of
 *                       routeUrl: a promise of {target: name|null, reply: text}, where reply is
 *                       a bot message to show on the same step. typing(true|false) shows the
 *                       bot typing meanwhile. Default: window.ScriptPlayer.resolveAnswer, set by
 *                       a page whose answers a person may give (moderation-participant.js).
 *   options.start       the step shown first (default: flow.start), e.g. to resume a session.
 *   options.messages    texts shown under the frame: {success, failure, noMatch, missingStep,
 *                       offline}; an empty string shows nothing.
 *
 * The returned controller: {restart(), goTo(name), current() -> step name}. goTo shows a step
 * with a "navigate" event whose via is "goto".
 */
(function () {
  "use strict";

  const DEFAULT_MESSAGES = {
    success: "The flow ended here: success.",
    failure: "The flow ended here: failure.",
    noMatch: "No reply for that answer. Try other words or a button.",
    missingStep: "This button leads to a step that does not exist yet.",
    offline: "Your answer could not be sent. Check the connection and try again.",
    typing: "The assistant is typing…",
  };
  const INTERACTIVE = "button, input, textarea, select, label, a";

  function csrfFromBody() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function applyAspect(root) {
    root.querySelectorAll(".sketch-device[data-aspect]").forEach((device) => {
      device.style.setProperty("--aspect", device.dataset.aspect);
    });
  }

  function mount(root, options) {
    options = options || {};
    const flow =
      options.flow || JSON.parse(document.getElementById(root.dataset.flowJson).textContent);
    const routeUrl = options.routeUrl || root.dataset.routeUrl;
    const csrfToken = options.csrfToken || csrfFromBody();
    const onEvent = options.onEvent || function () {};
    const resolveAnswer = options.resolveAnswer || window.ScriptPlayer.resolveAnswer || null;
    const messages = Object.assign({}, DEFAULT_MESSAGES, options.messages || {});
    const frame = root.querySelector(".sketch-frame");
    const screenElement = root.querySelector("[data-script-screen]");
    const history = root.querySelector("[data-script-history]");
    const status = root.querySelector("[data-script-status]");

    const steps = new Map(flow.steps.map((step) => [step.name, step]));
    const sections = new Map();
    root.querySelectorAll("section[data-step]").forEach((section) => {
      sections.set(section.dataset.step, section);
    });
    let current = null;

    applyAspect(root);

    function emit(type, detail) {
      root.dispatchEvent(
        new CustomEvent("scriptplayer", { bubbles: true, detail: { type: type, detail: detail } })
      );
      try {
        onEvent(type, detail);
      } catch (error) {
        // A broken recorder must not stop the participant.
        console.error("ScriptPlayer onEvent failed", error);
      }
    }

    function say(text, tone) {
      status.textContent = text || "";
      status.classList.toggle("is-success", tone === "success");
      status.classList.toggle("is-failure", tone === "failure");
    }

    // Where a click landed, as fractions of the frame. A button pressed from the keyboard has no
    // pointer position: its centre stands in, so every click has a place on the screen.
    function pointFraction(event, element) {
      const box = frame.getBoundingClientRect();
      let x = event.clientX;
      let y = event.clientY;
      if (event.detail === 0 && element) {
        const target = element.getBoundingClientRect();
        x = target.left + target.width / 2;
        y = target.top + target.height / 2;
      }
      return {
        x: Math.min(1, Math.max(0, (x - box.left) / box.width)),
        y: Math.min(1, Math.max(0, (y - box.top) / box.height)),
      };
    }

    function bubble(text, className) {
      const element = document.createElement("p");
      element.className = "sketch-bubble " + className;
      element.textContent = text;
      return element;
    }

    // In a conversation the earlier turns stay on screen: keep the bot's messages of the step
    // being left and the participant's reply above the next chat step.
    function updateHistory(fromName, toStep, reply) {
      const from = fromName ? steps.get(fromName) : null;
      if (!from || from.kind !== "chat" || toStep.kind !== "chat") {
        history.replaceChildren();
        history.hidden = true;
        return;
      }
      sections
        .get(fromName)
        .querySelectorAll(".sketch-bot")
        .forEach((message) => history.append(message.cloneNode(true)));
      if (reply) history.append(bubble(reply, "sketch-user"));
      history.hidden = false;
    }

    function show(name, via, reply, moveFocus) {
      const step = steps.get(name);
      const from = current;
      updateHistory(from, step, reply);
      sections.forEach((section, sectionName) => {
        section.hidden = sectionName !== name;
      });
      current = name;
      say("");
      const section = sections.get(name);
      section.querySelectorAll("input").forEach((input) => {
        input.value = "";
      });
      if (step.kind === "chat") {
        screenElement.scrollTop = screenElement.scrollHeight;
      } else {
        screenElement.scrollTop = 0;
      }
      if (moveFocus) {
        const answer = step.kind === "chat" && section.querySelector("form[data-answer] input");
        (answer || section.querySelector(".sketch-title")).focus({ preventScroll: true });
      }
      emit("navigate", {
        step: name,
        screen: step.screen,
        from: from,
        fromScreen: from ? steps.get(from).screen : null,
        via: via,
      });
      if (step.ending) {
        say(messages[step.ending], step.ending);
        emit("end", { step: name, screen: step.screen, ending: step.ending });
      }
    }

    // While a person answers, the bot is shown typing (and a screen reader hears it once).
    function typing(on) {
      const body = sections.get(current).querySelector(".sketch-body");
      body.querySelectorAll(".sketch-typing").forEach((element) => element.remove());
      if (on) {
        const dots = bubble("…", "sketch-bot sketch-typing");
        dots.setAttribute("aria-hidden", "true");
        body.append(dots);
        screenElement.scrollTop = screenElement.scrollHeight;
      }
      say(on ? messages.typing : "");
    }

    // A reply typed by a person: the participant stays on the step and may answer again.
    function showReply(said, reply) {
      const body = sections.get(current).querySelector(".sketch-body");
      body.append(bubble(said, "sketch-user"), bubble(reply, "sketch-bot"));
      screenElement.scrollTop = screenElement.scrollHeight;
    }

    async function askPerson(index, label, buttons) {
      buttons.forEach((button) => {
        button.disabled = true;
      });
      let result;
      try {
        result = await resolveAnswer({ step: current, text: label, choice: index, typing: typing });
      } catch (error) {
        say(messages.offline);
        return;
      } finally {
        buttons.forEach((button) => {
          button.disabled = false;
        });
      }
      if (result.target && steps.has(result.target)) {
        show(result.target, "choice", label, true);
      } else if (result.reply) {
        showReply(label, result.reply);
      }
    }

    function answerAgain(pending) {
      const section = sections.get(current);
      if (pending.choice !== null) {
        const choice = steps.get(current).choices[pending.choice];
        const buttons = Array.from(section.querySelectorAll("button[data-choice]"));
        if (choice) askPerson(pending.choice, choice.label, buttons);
        return;
      }
      const form = section.querySelector("form[data-answer]");
      const field = form && form.querySelector('[name="answer"]');
      if (!field) return;
      field.value = pending.text;
      answer(form);
    }

    function choose(button, event) {
      const step = steps.get(current);
      const choice = step.choices[Number(button.dataset.choice)];
      const point = pointFraction(event, button);
      emit("click", {
        step: current,
        screen: step.screen,
        hotspot: choice.hotspot,
        label: choice.label,
        target: choice.target,
        x: point.x,
        y: point.y,
      });
      if (step.wizard && resolveAnswer) {
        const buttons = Array.from(sections.get(current).querySelectorAll("button[data-choice]"));
        askPerson(Number(button.dataset.choice), choice.label, buttons);
        return;
      }
      if (!steps.has(choice.target)) {
        say(messages.missingStep);
        return;
      }
      show(choice.target, "choice", choice.label, true);
    }

    async function answer(form) {
      const step = steps.get(current);
      const fields = Array.from(form.elements).filter((element) => element.name === "answer");
      const text = fields
        .map((field) => field.value.trim())
        .filter(Boolean)
        .join(" ");
      if (!text) {
        fields[0] && fields[0].focus();
        return;
      }
      const buttons = form.querySelectorAll("button");
      buttons.forEach((button) => {
        button.disabled = true;
      });
      let target;
      let reply = "";
      try {
        if (resolveAnswer) {
          const result = await resolveAnswer({
            step: current,
            text: text,
            choice: null,
            typing: typing,
          });
          target = result.target;
          reply = result.reply || "";
        } else {
          const response = await fetch(routeUrl, {
            method: "POST",
            headers: { "X-CSRFToken": csrfToken },
            body: new URLSearchParams({ step: current, text: text }),
            credentials: "same-origin",
          });
          if (!response.ok) throw new Error("HTTP " + response.status);
          target = (await response.json()).target;
        }
      } catch (error) {
        say(messages.offline);
        return;
      } finally {
        buttons.forEach((button) => {
          button.disabled = false;
        });
      }
      emit("text", { step: step.name, screen: step.screen, text: text, target: target });
      if (target && steps.has(target)) {
        show(target, "answer", text, true);
      } else if (reply) {
        fields.forEach((field) => {
          field.value = "";
        });
        showReply(text, reply);
      } else {
        say(messages.noMatch);
      }
    }

    root.addEventListener("click", (event) => {
      const section = current && sections.get(current);
      if (!section || !frame.contains(event.target)) return;
      const button = event.target.closest("button[data-choice]");
      if (button && section.contains(button)) {
        choose(button, event);
        return;
      }
      if (!event.target.closest(INTERACTIVE)) {
        const point = pointFraction(event);
        emit("misclick", { step: current, screen: steps.get(current).screen, x: point.x, y: point.y });
      }
    });

    root.addEventListener("submit", (event) => {
      const form = event.target.closest("form[data-answer]");
      if (!form) return;
      event.preventDefault();
      answer(form);
    });

    const controller = {
      restart() {
        current = null;
        show(flow.start, "restart", null, true);
      },
      goTo(name) {
        if (steps.has(name)) show(name, "goto", null, true);
      },
      current() {
        return current;
      },
    };
    show(steps.has(options.start) ? options.start : flow.start, "start", null, false);
    // A page that went away while a person was answering the participant waits for that answer
    // again, rather than asking the participant to answer twice.
    const pending = window.ScriptPlayer.pendingAnswer && window.ScriptPlayer.pendingAnswer(current);
    if (pending && steps.get(current).wizard && resolveAnswer) answerAgain(pending);
    return controller;
  }

  function mountAutomatically() {
    document.querySelectorAll('[data-script-player="auto"]').forEach((root) => {
      const player = mount(root);
      document
        .querySelectorAll('[data-script-restart][data-script-for="' + root.dataset.flowJson + '"]')
        .forEach((button) => button.addEventListener("click", () => player.restart()));
    });
  }

  window.ScriptPlayer = Object.assign(window.ScriptPlayer || {}, { mount: mount });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mountAutomatically);
  } else {
    mountAutomatically();
  }
})();
