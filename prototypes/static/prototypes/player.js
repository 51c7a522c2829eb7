/*
 * The participant player: consent, tasks on the prototype, the SEQ after each task, the study's
 * questions and the thank-you page. Everything the participant does goes through the event
 * queue (event-queue.js); where they are is kept in localStorage, so a reload resumes there.
 * All the words come from the page (translated by Django), none from this file.
 */
(function () {
  "use strict";

  const root = document.getElementById("player");
  if (!root || !window.Protoplatform || !window.Protoplatform.EventQueue) return;
  if (!window.Protoplatform.Warmup || !window.Protoplatform.FetchOrder) return;

  const strings = JSON.parse(document.getElementById("player-strings").textContent);
  // The study as the session start will answer it, when the page could know it in advance.
  const studyInPage = document.getElementById("player-study");
  const prefetched = studyInPage ? JSON.parse(studyInPage.textContent) : null;
  const kinds = window.Protoplatform.TaskKinds;
  const shareToken = root.dataset.shareToken;
  const stateKey = "protoplatform.player." + shareToken;
  const screenerKey = "protoplatform.screener." + shareToken;
  const PIN_STEP = 0.02;
  const REVEAL_MS = 1200;

  let state = null; // where the participant is, saved after every step
  let study = null;
  let tasks = [];
  let questions = [];
  const screens = new Map();
  const hotspots = new Map();
  const images = new Map();
  let queue = null;
  let timer = null;
  let pin = null; // {x, y} while a comment is being written
  let renderCount = 0;
  let downloading = false; // set while the other screens are fetched into the cache
  const downloaded = new Set(); // image URLs fetched into the cache: no thumbnail needed first

  function slot(name) {
    return root.querySelector(`[data-slot="${name}"]`);
  }

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, (match, key) => String(values[key]));
  }

  function sessionUrl(template, token) {
    return root.dataset[template].replace("SESSION", encodeURIComponent(token));
  }

  // Saved position ---------------------------------------------------------------------------

  function loadState() {
    try {
      return JSON.parse(window.localStorage.getItem(stateKey) || "null");
    } catch (error) {
      return null;
    }
  }

  function saveState() {
    // Until the session has a token there is nothing a reload could resume.
    if (!state.sessionToken) return;
    try {
      window.localStorage.setItem(stateKey, JSON.stringify(state));
    } catch (error) {
      // Storage unavailable: the study still runs, it just cannot resume after a reload.
    }
  }

  function forgetState() {
    try {
      window.localStorage.removeItem(stateKey);
    } catch (error) {
      // Nothing was stored.
    }
  }

  // Steps ------------------------------------------------------------------------------------

  function show(step, focus) {
    root.querySelectorAll("[data-phase]").forEach((section) => {
      section.hidden = section.dataset.phase !== step;
    });
    document.body.classList.toggle("player-is-testing", step === "prototype");
    showProgress(step);
    if (focus !== false) {
      const heading = root.querySelector(`[data-phase="${step}"] h1[tabindex]`);
      if (heading) heading.focus({ preventScroll: true });
      window.scrollTo(0, 0);
    }
  }

  // One progress indicator across tasks and questions: each task, each question asked right
  // after a task and each question at the end is one step of the same count.
  const PROGRESS_PHASES = ["task-intro", "seq", "question"];

  function stepsOf(task) {
    return 1 + (task.questions ? task.questions.length : 0);
  }

  function stepPosition(step) {
    const taskSteps = tasks.reduce((sum, task) => sum + stepsOf(task), 0);
    const atEnd = step === "question" && state.questionsOfTask == null;
    const taskIndex = state.questionsOfTask != null ? state.questionsOfTask : state.taskIndex;
    let done = atEnd ? taskSteps : 0;
    if (!atEnd) {
      for (let index = 0; index < taskIndex; index += 1) done += stepsOf(tasks[index]);
    }
    if (step === "question") done += (atEnd ? 0 : 1) + state.questionIndex;
    return { number: done + 1, count: taskSteps + questions.length };
  }

  function showProgress(step) {
    const box = slot("progress");
    box.hidden = !PROGRESS_PHASES.includes(step) || !tasks.length;
    if (box.hidden) return;
    const position = stepPosition(step);
    let part;
    if (step === "question") {
      part = format(strings.question_of, {
        number: state.questionIndex + 1,
        count: currentQuestions().length,
      });
    } else {
      part = format(strings.task_of, { number: state.taskIndex + 1, count: tasks.length });
    }
    slot("progress-label").textContent = `${format(strings.step_of, position)} · ${part}`;
    const bar = slot("progress-bar");
    bar.max = position.count;
    bar.value = position.number - 1;
  }

  function announce(text) {
    const region = slot("announcer");
    region.textContent = "";
    // A short delay makes screen readers notice a change to the same text.
    window.setTimeout(() => {
      region.textContent = text;
    }, 60);
  }

  /** A message instead of the study; `action`, when given, labels the button that reloads. */
  function showMessage(text, action) {
    slot("message").textContent = text;
    const button = root.querySelector('[data-action="reload"]');
    button.hidden = !action;
    if (action) button.textContent = action;
    show("message");
  }

  function showStatus(status) {
    const banner = slot("status");
    banner.hidden = status === "ok";
    if (status !== "ok") banner.textContent = strings.offline;
    reserveStatusSpace();
  }

  /** Keep the banner off the prototype and the cards: a tab bar at the bottom of a screen is
   * where participants tap most. */
  function reserveStatusSpace() {
    const banner = slot("status");
    const space = banner.hidden ? 0 : window.innerHeight - banner.getBoundingClientRect().top;
    root.style.setProperty("--player-status-space", `${Math.max(0, Math.ceil(space))}px`);
  }

  // Start and resume -------------------------------------------------------------------------

  function setUp(payload) {
    study = payload.study;
    tasks = payload.tasks;
    questions = payload.questions;
    screens.clear();
    hotspots.clear();
    payload.screens.forEach((screen) => {
      screens.set(screen.id, screen);
      screen.hotspots.forEach((hotspot) => hotspots.set(hotspot.id, hotspot));
    });
    const token = state.sessionToken;
    queue = new window.Protoplatform.EventQueue({
      url: token ? sessionUrl("eventsUrl", token) : null,
      storageKey: token ? "protoplatform.events." + token : null,
      startedAt: state.startedAt,
      onStatus: showStatus,
      onSessionGone: () => {
        forgetState();
        stopTimer();
        showMessage(strings.session_gone);
      },
    });
    if (token) announceSession();
  }

  // For the think-aloud recorder (player-audio.js) and the facilitator's commands
  // (moderation-participant.js), which follow the session on the same clock, once the
  // session has its token (at once on a resume, when the start answers on a background start).
  function announceSession() {
    const detail = { token: state.sessionToken, startedAt: state.startedAt, phase: state.phase };
    root.dispatchEvent(new CustomEvent("player:session", { detail: detail }));
  }

  async function boot() {
    const saved = loadState();
    if (saved && saved.sessionToken && saved.payload) {
      state = saved;
      setUp(saved.payload);
      resume();
      checkServerState();
      return;
    }
    // Already in view as the page came: moving the focus or the scroll would lose the
    // reader's place.
    show("welcome", false);
  }

  /** The server may know better: the session may be gone, or finished while we reloaded. */
  async function checkServerState() {
    let response;
    try {
      response = await window.fetch(sessionUrl("stateUrl", state.sessionToken), {
        credentials: "same-origin",
      });
    } catch (error) {
      return; // Offline: carry on from what this device knows.
    }
    if (response.status === 404) {
      forgetState();
      stopTimer();
      showMessage(strings.session_gone);
      return;
    }
    if (!response.ok) return;
    const data = await response.json();
    if (data.session.completion && state.phase !== "done" && !queue.events.length) {
      complete(data.session.completion);
    }
  }

  async function startSession(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const agreed = form.elements.consent.checked;
    const consentError = slot("consent-error");
    consentError.hidden = agreed;
    form.elements.consent.setAttribute("aria-invalid", agreed ? "false" : "true");
    if (!agreed) {
      form.elements.consent.focus();
      consentError.scrollIntoView({ block: "center" });
      return;
    }
    const screenerError = slot("screener-error");
    if (screenerError) screenerError.hidden = true;
    const body = {
      consent: true,
      consent_version: Number(root.dataset.consentVersion),
      participant_id: root.dataset.participantId || null,
      invitation: root.dataset.invitation || null,
    };
    if (slot("screener")) body.screener = screenerAnswers();
    if (prefetched) {
      startInBackground(body);
      return;
    }
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    const { response, answer } = await requestSession(body, 1);
    button.disabled = false;
    button.removeAttribute("aria-busy");
    if (response && response.status === 201 && !answer.admitted) {
      showMessage(answer.message);
    } else if (response && response.status === 201) {
      const payload = answer;
      state = {
        sessionToken: payload.session_token,
        startedAt: Date.now(),
        phase: "task-intro",
        taskIndex: 0,
        payload: payload,
      };
      saveState();
      setUp(payload);
      goToTask(0);
    } else if (response && answer.code === "screener") {
      screenerError.hidden = false;
      const first = slot("screener").querySelector("input");
      if (first) first.focus();
    } else {
      showStartRefused(response, answer);
    }
  }

  function showStartRefused(response, answer) {
    if (response && answer.code === "consent_changed") {
      // The new text comes with a reload; the screener's answers wait for it in this tab.
      keepScreenerAnswers();
      showMessage(strings.consent_changed, strings.reload_page);
    } else if (response && (response.status === 409 || response.status === 404)) {
      showMessage(strings.not_accepting);
    } else {
      showMessage(strings.start_failed, strings.try_again);
    }
  }

  // With the study in the page, "Start" shows the first task at once and the session starts
  // meanwhile: the queue holds what the participant does until the session's token arrives.
  // A refusal (the study closed or filled up since the page was opened) replaces whatever is
  // on screen with the reason, and what was recorded is dropped with the session.
  const START_ATTEMPTS = 5;

  async function startInBackground(body) {
    state = {
      sessionToken: null,
      startedAt: Date.now(),
      phase: "task-intro",
      taskIndex: 0,
      payload: prefetched,
    };
    setUp(prefetched);
    goToTask(0);
    const { response, answer } = await requestSession(body, START_ATTEMPTS);
    if (response && response.status === 201 && answer.admitted) {
      state.sessionToken = answer.session_token;
      queue.connect(
        sessionUrl("eventsUrl", state.sessionToken),
        "protoplatform.events." + state.sessionToken,
      );
      saveState();
      announceSession();
      return;
    }
    queue.abandon();
    stopTimer();
    state.phase = "refused";
    ["give-up-dialog", "ended-dialog"].forEach((name) => {
      if (slot(name).open) slot(name).close();
    });
    if (response && response.status === 201) showMessage(answer.message);
    else showStartRefused(response, answer);
  }

  /** The session start's answer as {response (null if none came), answer}, asked again up to
   * `attempts` times, after a growing pause, when the network or the server failed. */
  async function requestSession(body, attempts) {
    for (let attempt = 1; ; attempt += 1) {
      let response = null;
      let answer = {};
      try {
        response = await window.fetch(root.dataset.startUrl, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          credentials: "same-origin",
          body: JSON.stringify(body),
        });
        answer = await response.json();
      } catch (error) {
        // No answer (offline), or one that is not JSON (a proxy's error page).
      }
      const failed = !response || response.status === 429 || response.status >= 500;
      if (!failed || attempt >= attempts) return { response, answer };
      await new Promise((resolve) => window.setTimeout(resolve, 1000 * 2 ** (attempt - 1)));
    }
  }

  /** The screener's answers as {question id: text, number text or list of texts}. */
  function screenerAnswers() {
    const answers = {};
    slot("screener")
      .querySelectorAll('input[name^="screener-"]')
      .forEach((input) => {
        const id = input.name.slice("screener-".length);
        if (input.type === "checkbox") {
          answers[id] = answers[id] || [];
          if (input.checked) answers[id].push(input.value);
        } else if (input.type === "radio") {
          if (input.checked) answers[id] = input.value;
        } else {
          answers[id] = input.value.trim();
        }
      });
    return answers;
  }

  function keepScreenerAnswers() {
    if (!slot("screener")) return;
    try {
      window.sessionStorage.setItem(screenerKey, JSON.stringify(screenerAnswers()));
    } catch (error) {
      // Storage unavailable: the participant answers again after the reload.
    }
  }

  /** Answers kept before a reload, put back into the screener (once). */
  function restoreScreenerAnswers() {
    let answers = null;
    try {
      answers = JSON.parse(window.sessionStorage.getItem(screenerKey) || "null");
      window.sessionStorage.removeItem(screenerKey);
    } catch (error) {
      return;
    }
    if (!answers || !slot("screener")) return;
    Object.entries(answers).forEach(([id, value]) => {
      slot("screener")
        .querySelectorAll(`input[name="screener-${id}"]`)
        .forEach((input) => {
          if (input.type === "checkbox" || input.type === "radio") {
            input.checked = [].concat(value).includes(input.value);
          } else {
            input.value = value;
          }
        });
    });
  }

  function resume() {
    switch (state.phase) {
      case "prototype":
        enterPrototype();
        // The page went away while the goal screen was still loading: the task ends there now.
        showScreen(state.screenId).then(() => endIfGoal(state.screenId));
        break;
      case "after-task":
        afterTask();
        break;
      case "seq":
        showSeq();
        break;
      case "kind":
        runKind(currentTask());
        break;
      case "question":
        showQuestion();
        break;
      case "finishing":
        finish();
        break;
      case "done":
        showThanks();
        break;
      default:
        goToTask(state.taskIndex || 0);
    }
  }

  // Tasks ------------------------------------------------------------------------------------

  function currentTask() {
    return tasks[state.taskIndex];
  }

  function goToTask(index) {
    if (index >= tasks.length) {
      goToQuestion(0);
      return;
    }
    state.phase = "task-intro";
    state.taskIndex = index;
    saveState();
    const task = currentTask();
    slot("instruction").textContent = task.instruction;
    slot("how-to").textContent = format(strings.how_to[task.kind] || strings.how_to.clickthrough, {
      seconds: task.exposure_seconds,
    });
    const limit = slot("time-limit");
    limit.hidden = !task.time_limit_seconds;
    if (task.time_limit_seconds) {
      limit.textContent = format(strings.time_limit, {
        minutes: Math.max(1, Math.round(task.time_limit_seconds / 60)),
      });
    }
    if (!isScripted() && screens.has(task.start_screen)) imageFor(screens.get(task.start_screen));
    show("task-intro");
  }

  function beginTask() {
    const task = currentTask();
    const started = queue.record("task_start", { task: task.id, screen: task.start_screen });
    if (kinds && kinds.handles(task)) {
      state.phase = "kind";
      state.taskStartedMs = started.t_ms;
      saveState();
      runKind(task);
      return;
    }
    state.phase = "prototype";
    state.screenId = task.start_screen;
    state.history = [];
    state.taskStartedMs = started.t_ms;
    state.taskPausedMs = 0;
    if (state.pausedAtMs != null) state.pausedAtMs = started.t_ms;
    saveState();
    enterPrototype();
    showScreen(task.start_screen);
  }

  function isScripted() {
    return study.kind === "scripted";
  }

  function enterPrototype() {
    const task = currentTask();
    slot("panel-instruction").textContent = task.instruction;
    setTaskPanel(false);
    cancelComment();
    show("prototype", false);
    layout();
    startTimer(task);
  }

  function setTaskPanel(open) {
    const toggle = root.querySelector('[data-action="toggle-task"]');
    toggle.setAttribute("aria-expanded", String(open));
    toggle.textContent = open ? strings.hide_task : strings.show_task;
    document.getElementById("player-task-panel").hidden = !open;
    layout();
  }

  function startTimer(task) {
    stopTimer();
    const display = slot("timer");
    display.hidden = !task.time_limit_seconds;
    if (!task.time_limit_seconds) return;
    // A facilitator's pause (moderation-participant.js) gives the task its paused time back.
    const deadline =
      state.taskStartedMs + task.time_limit_seconds * 1000 + (state.taskPausedMs || 0);
    const paused = state.pausedAtMs != null;
    const tick = () => {
      const left = deadline - (paused ? state.pausedAtMs : queue.now());
      if (left <= 0) {
        endTask("timed_out");
        return;
      }
      const seconds = Math.ceil(left / 1000);
      const time = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
      display.textContent = format(strings.time_left, { time: time });
    };
    tick();
    if (!paused) timer = window.setInterval(tick, 1000);
  }

  /** The facilitator paused the session: the task's time limit stops until they resume. */
  function pauseClock() {
    if (!state || state.pausedAtMs != null) return;
    state.pausedAtMs = queue.now();
    saveState();
    if (state.phase === "prototype") startTimer(currentTask());
  }

  function resumeClock() {
    if (!state || state.pausedAtMs == null) return;
    state.taskPausedMs = (state.taskPausedMs || 0) + Math.max(0, queue.now() - state.pausedAtMs);
    state.pausedAtMs = null;
    saveState();
    if (state.phase === "prototype") startTimer(currentTask());
  }

  function stopTimer() {
    if (timer) window.clearInterval(timer);
    timer = null;
  }

  function endTask(reason) {
    if (state.phase !== "prototype") return;
    const task = currentTask();
    stopTimer();
    cancelComment();
    if (slot("give-up-dialog").open) slot("give-up-dialog").close();
    if (reason === "gave_up") {
      queue.record("give_up", { task: task.id, screen: state.screenId });
    }
    queue.record("task_end", { task: task.id, screen: state.screenId, data: { reason: reason } });
    state.phase = "after-task";
    saveState();
    if (reason === "goal" || reason === "timed_out") {
      const success = reason === "goal";
      slot("ended-title").textContent = success ? strings.goal_title : strings.timeout_title;
      slot("ended-text").textContent = success ? strings.goal_text : strings.timeout_text;
      slot("ended-dialog").showModal();
    } else {
      afterTask();
    }
  }

  function afterTask() {
    const task = currentTask();
    if (task.ask_seq) {
      showSeq();
    } else if (task.questions && task.questions.length) {
      state.questionsOfTask = state.taskIndex;
      goToQuestion(0);
    } else {
      goToTask(state.taskIndex + 1);
    }
  }

  // First-click, five-second and preference tests (player-kinds.js) ---------------------------

  function runKind(task) {
    show("kind");
    kinds.run(slot("kind-stage"), task, {
      strings: strings.kinds,
      record: (type, fields) => queue.record(type, fields),
      elapsedMs: queue.now() - state.taskStartedMs,
      order: (count) => optionOrder(task, count),
      // Tree tests and card sorts (player-navigation.js) keep where they stand across reloads.
      study: state.payload,
      saved: (state.kindMemory || {})[task.id],
      remember: (value) => {
        state.kindMemory = Object.assign(state.kindMemory || {}, { [task.id]: value });
        saveState();
      },
      announce: announce,
      done: (data) => {
        if (state.phase !== "kind") return;
        queue.record("task_end", {
          task: task.id,
          screen: task.start_screen,
          data: Object.assign({ reason: "done" }, data),
        });
        state.phase = "after-task";
        saveState();
        afterTask();
      },
    });
  }

  /** A preference test's options in an order shuffled once per participant (kept on reload). */
  function optionOrder(task, count) {
    state.optionOrders = state.optionOrders || {};
    let order = state.optionOrders[task.id];
    if (!order || order.length !== count) {
      order = Array.from({ length: count }, (_, index) => index);
      for (let index = count - 1; index > 0; index -= 1) {
        const other = Math.floor(Math.random() * (index + 1));
        [order[index], order[other]] = [order[other], order[index]];
      }
      state.optionOrders[task.id] = order;
      saveState();
    }
    return order;
  }

  function showSeq() {
    state.phase = "seq";
    saveState();
    slot("seq-form").reset();
    slot("seq-error").hidden = true;
    show("seq");
  }

  function submitSeq(event) {
    event.preventDefault();
    const choice = slot("seq-form").querySelector('input[name="seq"]:checked');
    slot("seq-error").hidden = Boolean(choice);
    if (!choice) {
      slot("seq-form").querySelector('input[name="seq"]').focus();
      return;
    }
    queue.record("answer", { task: currentTask().id, data: { seq: Number(choice.value) } });
    const task = currentTask();
    if (task.questions && task.questions.length) {
      state.questionsOfTask = state.taskIndex;
      goToQuestion(0);
    } else {
      goToTask(state.taskIndex + 1);
    }
  }

  // The prototype ----------------------------------------------------------------------------

  function layout() {
    if (!study || state.phase !== "prototype" || isScripted()) return;
    const stage = slot("stage");
    const ratio = study.aspect_ratio || 390 / 844;
    const width = Math.min(stage.clientWidth, stage.clientHeight * ratio);
    const frame = slot("frame");
    frame.style.width = `${Math.floor(width)}px`;
    frame.style.height = `${Math.floor(width / ratio)}px`;
  }

  function imageFor(screen) {
    let entry = images.get(screen.id);
    if (!entry) {
      entry = window.Protoplatform.Warmup.image(screen.image_url);
      const element = entry.element;
      element.className = "player-image";
      element.alt = "";
      if (screen.width && screen.height) {
        element.width = screen.width;
        element.height = screen.height;
      }
      images.set(screen.id, entry);
    }
    return entry;
  }

  /**
   * The screen's full image once decoded or, if its thumbnail is decoded first (a slow
   * connection), the thumbnail drawn at the full image's size: the participant sees the screen
   * and its hotspots at once, and the full image replaces it when it arrives.
   */
  async function firstPicture(screen, image) {
    if (!screen.thumbnail_url || downloaded.has(screen.image_url)) {
      await image.ready;
      return image.element;
    }
    const small = window.Protoplatform.Warmup.image(screen.thumbnail_url);
    const full = image.ready.then(() => image.element);
    const first = await Promise.race([full, small.ready.then((ok) => (ok ? small.element : full))]);
    if (first === small.element) {
      small.element.className = "player-image player-image-placeholder";
      small.element.alt = "";
      small.element.width = screen.width || small.element.naturalWidth;
      small.element.height = screen.height || small.element.naturalHeight;
    }
    return first;
  }

  function putPicture(element) {
    const container = slot("screen");
    const current = container.querySelector(".player-image");
    if (current !== element) {
      if (current) current.remove();
      container.insertBefore(element, slot("hotspots"));
    }
  }

  /** The screens one click away, likeliest first (player-prefetch.js). */
  function likelyNext(screen) {
    const task = currentTask();
    return window.Protoplatform.FetchOrder.likelyNext(screen, screens, task && task.goal_screens);
  }

  /** Start loading every screen one click away, so the next screen shows at once: all their
   * thumbnails first, the smallest rendition, then their full images. */
  function preloadNeighbours(screen) {
    const next = likelyNext(screen);
    next.forEach((target) => {
      if (target.thumbnail_url && !downloaded.has(target.image_url)) {
        window.Protoplatform.Warmup.image(target.thumbnail_url);
      }
    });
    next.forEach(imageFor);
  }

  /**
   * Then download the other screens, nearest to the screen on show first and one at a time,
   * into the browser's cache (rendition URLs are immutable): a participant who loses the
   * connection can carry on clicking. Each waits until the screens one click away are here,
   * so that it never takes their bandwidth; they are decoded only once they are one click away.
   */
  async function downloadAll() {
    if (downloading) return;
    downloading = true;
    for (;;) {
      const current = screens.get(state.screenId);
      if (!current) break;
      await Promise.all(likelyNext(current).map((target) => imageFor(target).ready));
      if (state.screenId !== current.id) continue; // moved on meanwhile: wait for the new ones
      const screen = nearestFirst(current).find(
        (candidate) =>
          candidate.image_url && !images.has(candidate.id) && !downloaded.has(candidate.image_url),
      );
      if (!screen) break;
      await new Promise((resolve) => {
        const element = new Image();
        element.fetchPriority = "low";
        element.onload = resolve;
        element.onerror = resolve;
        element.src = screen.image_url;
      });
      downloaded.add(screen.image_url);
    }
    downloading = false;
  }

  /** Every screen, by the number of clicks it takes to reach it from `from` (unreachable last). */
  function nearestFirst(from) {
    const order = [from];
    const seen = new Set([from.id]);
    for (let index = 0; index < order.length; index += 1) {
      order[index].hotspots.forEach((hotspot) => {
        if (hotspot.target && screens.has(hotspot.target) && !seen.has(hotspot.target)) {
          seen.add(hotspot.target);
          order.push(screens.get(hotspot.target));
        }
      });
    }
    screens.forEach((screen) => {
      if (!seen.has(screen.id)) order.push(screen);
    });
    return order;
  }

  async function showScreen(screenId) {
    if (isScripted()) {
      showStep(screenId);
      return;
    }
    const screen = screens.get(screenId);
    if (!screen) return;
    const render = ++renderCount;
    state.screenId = screenId;
    saveState();
    const image = imageFor(screen);
    // Swap only a decoded picture, so the old screen never flashes blank.
    const picture = await firstPicture(screen, image);
    if (render !== renderCount) return;
    putPicture(picture);
    if (picture !== image.element) {
      image.ready.then(() => {
        if (render === renderCount) putPicture(image.element);
      });
    }
    renderHotspots(screen);
    slot("frame").scrollTop = 0;
    slot("screen-name").textContent = screen.name;
    announce(format(strings.screen_shown, { name: screen.name }));
    slot("screen-name").focus({ preventScroll: true });
    preloadNeighbours(screen);
    downloadAll();
  }

  function renderHotspots(screen) {
    const layer = slot("hotspots");
    layer.replaceChildren();
    screen.hotspots.forEach((hotspot) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "player-hotspot";
      button.dataset.hotspot = String(hotspot.id);
      button.style.left = `${hotspot.x * 100}%`;
      button.style.top = `${hotspot.y * 100}%`;
      button.style.width = `${hotspot.width * 100}%`;
      button.style.height = `${hotspot.height * 100}%`;
      const label = document.createElement("span");
      label.className = "player-sr-only";
      label.textContent = hotspot.label;
      button.append(label);
      layer.append(button);
    });
  }

  function pointOf(event, hotspot) {
    // A button pressed from the keyboard reports no pointer position: use its centre.
    if (event.detail === 0 && hotspot) {
      return { x: hotspot.x + hotspot.width / 2, y: hotspot.y + hotspot.height / 2 };
    }
    const rect = slot("screen").getBoundingClientRect();
    const fraction = (value) => Math.round(Math.min(1, Math.max(0, value)) * 10000) / 10000;
    return {
      x: fraction((event.clientX - rect.left) / rect.width),
      y: fraction((event.clientY - rect.top) / rect.height),
    };
  }

  function onScreenClick(event) {
    if (state.phase !== "prototype" || event.target.closest(".player-pin")) return;
    const button = event.target.closest(".player-hotspot");
    const hotspot = button ? hotspots.get(Number(button.dataset.hotspot)) : null;
    const point = pointOf(event, hotspot);
    if (pin) {
      placePin(point);
      return;
    }
    const task = currentTask();
    if (!hotspot) {
      queue.record("misclick", { task: task.id, screen: state.screenId, x: point.x, y: point.y });
      if (study.show_hotspots_after_misclick) revealHotspots();
      return;
    }
    queue.record("click", {
      task: task.id,
      screen: state.screenId,
      hotspot: hotspot.id,
      x: point.x,
      y: point.y,
    });
    if (hotspot.action === "goto" && screens.has(hotspot.target)) {
      state.history.push(state.screenId);
      goTo(hotspot.target);
    } else if (hotspot.action === "back" && state.history.length) {
      goTo(state.history.pop());
    } else if (hotspot.action === "end") {
      endTask("done");
    }
  }

  async function goTo(screenId) {
    queue.record("navigate", { task: currentTask().id, screen: screenId });
    await showScreen(screenId);
    endIfGoal(screenId);
  }

  function endIfGoal(screenId) {
    if (state.screenId === screenId && currentTask().goal_screens.includes(screenId)) {
      endTask("goal");
    }
  }

  // Scripted flows ------------------------------------------------------------------------------
  // script-player.js draws the flow's steps (one Screen each) and reports what the participant
  // does; this records it like a click on a paper prototype.

  let flow = null; // the ScriptPlayer controller, once mounted

  function stepOf(screenId) {
    const flowRoot = slot("flow").querySelector("[data-script-player]");
    const description = JSON.parse(document.getElementById(flowRoot.dataset.flowJson).textContent);
    const step = description.steps.find((candidate) => candidate.screen === screenId);
    return step ? step.name : description.start;
  }

  function showStep(screenId) {
    state.screenId = screenId;
    saveState();
    if (!flow) {
      flow = window.ScriptPlayer.mount(slot("flow").querySelector("[data-script-player]"), {
        routeUrl: sessionUrl("routeUrl", state.sessionToken),
        onEvent: onFlowEvent,
        start: stepOf(screenId),
        messages: strings.flow,
      });
    } else {
      flow.goTo(stepOf(screenId));
    }
  }

  function onFlowEvent(type, detail) {
    if (!state || state.phase !== "prototype") return;
    const task = currentTask();
    const round = (value) => Math.round(value * 10000) / 10000;
    if (type === "navigate") {
      // Steps the player itself shows (a task's start, a resume) are not the participant's doing.
      if (detail.via !== "choice" && detail.via !== "answer") return;
      state.screenId = detail.screen;
      saveState();
      queue.record("navigate", { task: task.id, screen: detail.screen });
      if (task.goal_screens.includes(detail.screen)) endTask("goal");
    } else if (type === "click") {
      queue.record("click", {
        task: task.id,
        screen: detail.screen,
        hotspot: detail.hotspot,
        x: round(detail.x),
        y: round(detail.y),
      });
    } else if (type === "misclick") {
      queue.record("misclick", {
        task: task.id,
        screen: detail.screen,
        x: round(detail.x),
        y: round(detail.y),
      });
    } else if (type === "text") {
      queue.record("text", {
        task: task.id,
        screen: detail.screen,
        data: { text: detail.text.slice(0, 2000) },
      });
    } else if (type === "end") {
      endTask("done");
    }
  }

  function revealHotspots() {
    const frame = slot("frame");
    frame.classList.remove("is-revealing");
    void frame.offsetWidth; // restart the animation on a quick second misclick
    frame.classList.add("is-revealing");
    window.setTimeout(() => frame.classList.remove("is-revealing"), REVEAL_MS);
  }

  // Comments ---------------------------------------------------------------------------------

  function startComment() {
    if (pin) {
      cancelComment();
      return;
    }
    const form = slot("comment-form");
    if (isScripted()) {
      // A flow's steps are drawn, not images: the comment is about the step as a whole.
      pin = { x: 0.5, y: 0.5 };
      openCommentForm(form);
      return;
    }
    const frame = slot("frame");
    const height = slot("screen").clientHeight || 1;
    pin = { x: 0.5, y: Math.min(1, (frame.scrollTop + frame.clientHeight / 2) / height) };
    const marker = slot("pin");
    marker.setAttribute("aria-label", strings.pin_label);
    marker.hidden = false;
    placePin(pin);
    openCommentForm(form);
  }

  // The comment's length is stated before the limit is reached: the count shows from the
  // start, and a screen reader hears it only near the limit, not on every key press.
  const COUNTER_WARNING = 200;

  function countComment() {
    const counter = slot("comment-count");
    const limit = Number(counter.dataset.limit);
    const left = limit - slot("comment-form").elements.text.value.length;
    const text =
      left <= 0 ? format(strings.chars_full, { limit }) : format(strings.chars_left, { left, limit });
    counter.textContent = text;
    counter.classList.toggle("is-near", left <= COUNTER_WARNING);
    if (left <= COUNTER_WARNING && (left % 50 === 0 || left <= 0)) announce(text);
  }

  function openCommentForm(form) {
    form.reset();
    countComment();
    form.hidden = false;
    root.querySelector('[data-action="comment"]').setAttribute("aria-pressed", "true");
    layout();
    form.elements.text.focus();
  }

  function placePin(point) {
    pin = { x: point.x, y: point.y };
    if (isScripted()) return;
    const marker = slot("pin");
    marker.style.left = `${pin.x * 100}%`;
    marker.style.top = `${pin.y * 100}%`;
  }

  function movePin(event) {
    const moves = {
      ArrowLeft: [-PIN_STEP, 0],
      ArrowRight: [PIN_STEP, 0],
      ArrowUp: [0, -PIN_STEP],
      ArrowDown: [0, PIN_STEP],
    };
    const move = moves[event.key];
    if (!move || !pin) return;
    event.preventDefault();
    const clamp = (value) => Math.round(Math.min(1, Math.max(0, value)) * 10000) / 10000;
    placePin({ x: clamp(pin.x + move[0]), y: clamp(pin.y + move[1]) });
  }

  function saveComment(event) {
    event.preventDefault();
    const text = event.currentTarget.elements.text;
    if (!text.value.trim()) {
      text.focus();
      return;
    }
    queue.record("comment", {
      task: currentTask().id,
      screen: state.screenId,
      x: pin.x,
      y: pin.y,
      data: { text: text.value.trim().slice(0, Number(slot("comment-count").dataset.limit)) },
    });
    cancelComment();
    announce(strings.comment_saved);
    const heading = isScripted() ? null : slot("screen-name");
    if (heading) heading.focus({ preventScroll: true });
  }

  function cancelComment() {
    pin = null;
    if (slot("pin")) slot("pin").hidden = true;
    slot("comment-form").hidden = true;
    root.querySelector('[data-action="comment"]').setAttribute("aria-pressed", "false");
    layout();
  }

  // Questions --------------------------------------------------------------------------------

  /** The questions being asked: those right after a task, or those at the end. */
  function currentQuestions() {
    const task = tasks[state.questionsOfTask];
    return state.questionsOfTask != null && task ? task.questions : questions;
  }

  function goToQuestion(index) {
    if (index >= currentQuestions().length) {
      if (state.questionsOfTask != null) {
        const next = state.questionsOfTask + 1;
        state.questionsOfTask = null;
        goToTask(next);
      } else {
        finish();
      }
      return;
    }
    state.phase = "question";
    state.questionIndex = index;
    saveState();
    showQuestion();
  }

  function showQuestion() {
    const asked = currentQuestions();
    const question = asked[state.questionIndex];
    slot("question-text").textContent = question.text;
    slot("question-error").hidden = true;
    root.querySelector('[data-action="skip-question"]').hidden = question.required;
    const body = slot("question-body");
    body.replaceChildren();
    const name = `question-${question.id}`;
    if (question.kind === "open") {
      const textarea = document.createElement("textarea");
      textarea.name = name;
      textarea.rows = 4;
      textarea.maxLength = 5000;
      textarea.setAttribute("aria-labelledby", "question-title");
      body.append(textarea);
    } else if (question.kind === "single" || question.kind === "multiple") {
      const group = document.createElement("div");
      group.setAttribute("role", question.kind === "single" ? "radiogroup" : "group");
      group.setAttribute("aria-labelledby", "question-title");
      const type = question.kind === "single" ? "radio" : "checkbox";
      question.choices.forEach((choice) => group.append(choiceInput(type, name, choice, choice)));
      body.append(group);
    } else if (question.kind === "rating") {
      body.append(scale(name, question.scale_min, question.scale_max, "question-title"));
    } else if (question.kind === "sus") {
      question.items.forEach((item, index) => {
        const fieldset = document.createElement("fieldset");
        fieldset.className = "player-sus-item";
        const legend = document.createElement("legend");
        legend.textContent = `${index + 1}. ${item}`;
        fieldset.append(legend, scale(`${name}-${index}`, question.scale_min, question.scale_max));
        const anchors = document.createElement("div");
        anchors.className = "player-scale-anchors";
        question.anchors.forEach((text) => {
          const span = document.createElement("span");
          span.textContent = text;
          anchors.append(span);
        });
        fieldset.append(anchors);
        body.append(fieldset);
      });
    }
    show("question");
  }

  function choiceInput(type, name, value, text) {
    const label = document.createElement("label");
    const input = document.createElement("input");
    input.type = type;
    input.name = name;
    input.value = value;
    label.append(input, " ", text);
    return label;
  }

  function scale(name, low, high, labelledBy) {
    const group = document.createElement("div");
    group.className = "player-scale";
    group.setAttribute("role", "radiogroup");
    if (labelledBy) group.setAttribute("aria-labelledby", labelledBy);
    for (let value = low; value <= high; value += 1) {
      const label = choiceInput("radio", name, String(value), "");
      label.className = "player-scale-point";
      const number = document.createElement("span");
      number.textContent = String(value);
      label.replaceChildren(label.firstChild, number);
      group.append(label);
    }
    return group;
  }

  /** The answer the form holds, undefined when nothing (or not enough) is filled in. */
  function answerOf(question) {
    const form = slot("question-form");
    const name = `question-${question.id}`;
    const checked = (field) =>
      Array.from(form.querySelectorAll(`input[name="${field}"]:checked`), (input) => input.value);
    if (question.kind === "open") {
      const text = form.elements[name].value.trim();
      return text || undefined;
    }
    if (question.kind === "single") return checked(name)[0];
    if (question.kind === "multiple") {
      const values = checked(name);
      return values.length ? values : undefined;
    }
    if (question.kind === "rating") {
      const value = checked(name)[0];
      return value === undefined ? undefined : Number(value);
    }
    if (question.kind === "sus") {
      const values = question.items.map((item, index) => checked(`${name}-${index}`)[0]);
      return values.every((value) => value !== undefined) ? values.map(Number) : undefined;
    }
    return undefined;
  }

  /** Marks the SUS statements left unanswered; returns their indexes. */
  function markOpenStatements(question) {
    const form = slot("question-form");
    const open = [];
    slot("question-body")
      .querySelectorAll(".player-sus-item")
      .forEach((fieldset, index) => {
        const answered = form.querySelector(`input[name="question-${question.id}-${index}"]:checked`);
        fieldset.classList.toggle("is-open", !answered);
        let note = fieldset.querySelector(".player-item-error");
        if (!answered) {
          open.push(index);
          if (!note) {
            note = document.createElement("p");
            note.className = "player-item-error";
            note.id = `question-${question.id}-${index}-error`;
            note.textContent = strings.statement_missing;
            fieldset.append(note);
          }
          fieldset.setAttribute("aria-describedby", note.id);
          fieldset.setAttribute("aria-invalid", "true");
        } else if (note) {
          note.remove();
          fieldset.removeAttribute("aria-describedby");
          fieldset.removeAttribute("aria-invalid");
        }
      });
    return open;
  }

  function submitQuestion(event) {
    event.preventDefault();
    const question = currentQuestions()[state.questionIndex];
    const value = answerOf(question);
    if (value === undefined) {
      if (question.required) {
        const error = slot("question-error");
        const open = question.kind === "sus" ? markOpenStatements(question) : [];
        error.textContent = open.length
          ? format(strings.sus_missing, { missing: open.map((index) => index + 1).join(", ") })
          : strings.required;
        error.hidden = false;
        const body = slot("question-body");
        const first = open.length
          ? body.querySelectorAll(".player-sus-item")[open[0]].querySelector("input")
          : body.querySelector("input, textarea");
        if (first) {
          first.focus({ preventScroll: true });
          first.closest("fieldset, div").scrollIntoView({ block: "center" });
        }
        return;
      }
    } else {
      queue.record("answer", { data: { question: question.id, value: value } });
    }
    goToQuestion(state.questionIndex + 1);
  }

  // The end ----------------------------------------------------------------------------------

  async function finish() {
    if (state.phase !== "finishing") {
      queue.record("session_end", {});
      root.dispatchEvent(new CustomEvent("player:session-end"));
      state.phase = "finishing";
      saveState();
    }
    show("saving");
    await queue.drained();
    // Sending stopped (a reload will try again), or the session never started.
    if (queue.events.length || state.phase !== "finishing") return;
    // The think-aloud recorder's last chunks (player-audio.js), before "you can close this page".
    if (window.Protoplatform.Audio) await window.Protoplatform.Audio.drained();
    let completion = null;
    try {
      const response = await window.fetch(sessionUrl("stateUrl", state.sessionToken), {
        credentials: "same-origin",
      });
      if (response.ok) completion = (await response.json()).session.completion || null;
    } catch (error) {
      // Shown without the code; a reload fetches it again.
    }
    complete(completion);
  }

  function complete(completion) {
    stopTimer();
    queue.discard();
    state.phase = "done";
    state.completion = completion;
    delete state.payload;
    saveState();
    showThanks();
  }

  function showThanks() {
    const completion = state.completion || {};
    slot("completion-code").hidden = !completion.code;
    slot("code").textContent = completion.code || "";
    const redirect = completion.redirect_url || "";
    slot("redirect").hidden = !/^https?:\/\//i.test(redirect);
    slot("redirect-link").href = redirect || "#";
    slot("close-hint").hidden = Boolean(redirect);
    show("thanks");
  }

  // Wiring -----------------------------------------------------------------------------------

  slot("consent-form").addEventListener("submit", startSession);
  restoreScreenerAnswers();
  slot("seq-form").addEventListener("submit", submitSeq);
  slot("question-form").addEventListener("submit", submitQuestion);
  slot("comment-form").addEventListener("submit", saveComment);
  slot("comment-form").elements.text.addEventListener("input", countComment);
  if (slot("screen")) {
    slot("screen").addEventListener("click", onScreenClick);
    slot("pin").addEventListener("keydown", movePin);
  }
  slot("ended-dialog").addEventListener("close", () => {
    if (state && state.phase === "after-task") afterTask();
  });
  // The frame follows the stage, whatever resizes it: the toolbar wrapping once the timer
  // shows, the task panel, the comment form, the status banner, a rotated phone.
  if (slot("stage") && window.ResizeObserver) {
    new window.ResizeObserver(layout).observe(slot("stage"));
  }
  window.addEventListener("resize", () => {
    layout();
    if (!slot("status").hidden) reserveStatusSpace();
  });

  const actions = {
    "begin-task": beginTask,
    "toggle-task": () => {
      const open = document.getElementById("player-task-panel").hidden;
      setTaskPanel(open);
    },
    done: () => endTask("done"),
    "give-up": () => slot("give-up-dialog").showModal(),
    "keep-trying": () => slot("give-up-dialog").close(),
    "confirm-give-up": () => {
      slot("give-up-dialog").close();
      endTask("gave_up");
    },
    "after-task": () => slot("ended-dialog").close(),
    comment: startComment,
    "cancel-comment": cancelComment,
    "skip-question": () => goToQuestion(state.questionIndex + 1),
    reload: () => window.location.reload(),
  };
  root.addEventListener("click", (event) => {
    const button = event.target.closest("[data-action]");
    if (button && actions[button.dataset.action]) actions[button.dataset.action](event);
  });

  // A moderated session's facilitator (moderation-participant.js) follows the session and moves
  // it on through these; what they cause is recorded like the participant's own doing.
  window.Protoplatform.Player = {
    sessionToken: () => (state ? state.sessionToken : null),
    nextTask: () => {
      if (state && state.phase === "prototype") endTask("done");
    },
    pause: pauseClock,
    resume: resumeClock,
    end: () => {
      if (!state || !state.sessionToken || ["finishing", "done"].includes(state.phase)) return;
      if (state.phase === "prototype") endTask("done");
      if (slot("ended-dialog").open) slot("ended-dialog").close();
      finish();
    },
  };

  boot();
})();
