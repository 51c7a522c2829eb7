/*
 * Think-aloud recording in the player (docs/audio.md): the microphone check on the consent page,
 * the recorder during the study, and the delivery of every chunk it records.
 *
 * - On the consent page the participant agrees (or, when the study makes it optional, may
 *   decline) and can test the microphone: a level meter (Web Audio AnalyserNode) shows that
 *   they are heard. Starting with recording on asks for the microphone if the test did not.
 * - MediaRecorder records Opus in WebM or Ogg, whichever the browser supports, and hands over a
 *   chunk every few seconds. Each chunk is placed on the session's event clock (the clock of
 *   event-queue.js: milliseconds since the session started, by Date.now), so the replay can
 *   play the voice in step with the clicks.
 * - Every chunk goes into IndexedDB first and leaves it only once the server has answered that
 *   it is stored; a network failure or a 5xx is retried with jittered exponential backoff, a
 *   429 waits for its Retry-After, and the next page load sends whatever is left. The server
 *   stores a chunk once by (segment, index), so sending one twice is harmless.
 * - A reload starts a new recorder: a new segment, named by the session-clock millisecond it
 *   started at. What the browser had recorded but not yet handed over when the page went away
 *   (less than one chunk) cannot be kept.
 */
(function () {
  "use strict";

  const root = document.getElementById("player");
  const box = root && root.querySelector('[data-slot="audio"]');
  if (!box) return;

  const strings = JSON.parse(document.getElementById("player-audio-strings").textContent);
  const required = box.hasAttribute("data-required");
  const form = box.closest("form");
  const TIMESLICE_MS = 3000;
  const FIRST_BACKOFF_MS = 1000;
  const MAX_BACKOFF_MS = 30000;
  const REQUEST_TIMEOUT_MS = 30000;
  const TYPES = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus"];
  const DB_NAME = "protoplatform-audio";
  const STORE = "chunks";

  let stream = null; // the microphone, from the check or from the start of recording
  let meterRunning = false;
  let chosen = null; // true or false once the participant pressed Start on this page
  let session = null; // {token, startedAt}
  let recorder = null;
  let stopped = Promise.resolve(); // settles once the current recorder handed over its last chunk
  let badge = null;

  function slot(name) {
    return box.querySelector(`[data-slot="${name}"]`);
  }

  function supportedType() {
    if (!window.MediaRecorder || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return null;
    }
    return TYPES.find((type) => window.MediaRecorder.isTypeSupported(type)) || null;
  }

  function choiceKey(token) {
    return "protoplatform.audio." + token;
  }

  // Chunks waiting to be sent: IndexedDB, or this page's memory when it is unavailable --------

  const memory = new Map();
  let database = null;

  function openDatabase() {
    if (!database) {
      database = new Promise((resolve) => {
        let request;
        try {
          request = window.indexedDB.open(DB_NAME, 1);
        } catch (error) {
          resolve(null); // No IndexedDB (private mode in some browsers): memory only.
          return;
        }
        request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "key" });
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => resolve(null);
        request.onblocked = () => resolve(null);
      });
    }
    return database;
  }

  /** Run `work(store)` in a transaction; resolves with the request's result once committed. */
  async function inStore(mode, work) {
    const db = await openDatabase();
    if (!db) throw new Error("no IndexedDB");
    return new Promise((resolve, reject) => {
      const transaction = db.transaction(STORE, mode);
      const request = work(transaction.objectStore(STORE));
      transaction.oncomplete = () => resolve(request.result);
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error);
    });
  }

  // Keys sort by session, then segment, then index: the order chunks are sent in.
  function chunkKey(token, segment, index) {
    return `${token}/${String(segment).padStart(13, "0")}/${String(index).padStart(7, "0")}`;
  }

  async function keep(chunk) {
    try {
      await inStore("readwrite", (store) => store.put(chunk));
    } catch (error) {
      memory.set(chunk.key, chunk); // Storage full or unavailable: kept for this page.
    }
  }

  async function forget(key) {
    memory.delete(key);
    try {
      await inStore("readwrite", (store) => store.delete(key));
    } catch (error) {
      // Not in IndexedDB.
    }
  }

  /** The first chunk waiting, in key order, or null. */
  async function firstWaiting() {
    let stored = null;
    try {
      stored = await inStore("readonly", (store) => store.openCursor());
    } catch (error) {
      stored = null;
    }
    const candidates = Array.from(memory.values());
    if (stored) candidates.push(stored.value);
    candidates.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return candidates[0] || null;
  }

  // Sending ---------------------------------------------------------------------------------

  const sender = { running: false, again: false, timer: null, backoffMs: 0, waiters: [] };
  const gone = new Set(); // sessions the server will take no more audio for

  function retryAfterMs(response) {
    const seconds = Number(response.headers.get("Retry-After"));
    return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : FIRST_BACKOFF_MS;
  }

  function backoff() {
    sender.backoffMs = Math.min(MAX_BACKOFF_MS, sender.backoffMs * 2 || FIRST_BACKOFF_MS);
    return sender.backoffMs * (0.5 + Math.random() / 2);
  }

  /** "sent" (stored now or before), "drop" (refused: sending it again cannot help), or
   * {waitMs} before trying again. */
  async function send(chunk) {
    const query = new URLSearchParams({
      segment: chunk.segment,
      index: chunk.index,
      offset_ms: chunk.offsetMs,
      duration_ms: chunk.durationMs,
    });
    const url = box.dataset.uploadUrl.replace("SESSION", encodeURIComponent(chunk.token));
    const controller = window.AbortController ? new window.AbortController() : null;
    const timeout = window.setTimeout(() => controller && controller.abort(), REQUEST_TIMEOUT_MS);
    let response;
    try {
      response = await window.fetch(`${url}?${query}`, {
        method: "POST",
        headers: { "Content-Type": chunk.type },
        body: chunk.data,
        credentials: "same-origin",
        signal: controller ? controller.signal : undefined,
      });
    } catch (error) {
      return { waitMs: backoff() };
    } finally {
      window.clearTimeout(timeout);
    }
    if (response.ok) {
      sender.backoffMs = 0;
      return "sent";
    }
    if (response.status === 429) return { waitMs: retryAfterMs(response) };
    if (response.status >= 500) return { waitMs: backoff() };
    let answer = {};
    try {
      answer = await response.json();
    } catch (error) {
      // Not our server's answer (a proxy's page): the status says enough.
    }
    if ([403, 404, 410].includes(response.status) || answer.code === "session_full") {
      gone.add(chunk.token);
      if (session && session.token === chunk.token) {
        stopRecording();
        if (answer.code === "session_full") showBadge(strings.full, false);
      }
    }
    return "drop";
  }

  async function pump() {
    if (sender.running) {
      sender.again = true;
      return;
    }
    window.clearTimeout(sender.timer);
    sender.running = true;
    try {
      for (;;) {
        sender.again = false;
        const chunk = await firstWaiting();
        if (!chunk) {
          if (sender.again) continue;
          break;
        }
        const outcome = gone.has(chunk.token) ? "drop" : await send(chunk);
        if (outcome === "sent" || outcome === "drop") {
          await forget(chunk.key);
          continue;
        }
        sender.timer = window.setTimeout(pump, outcome.waitMs);
        return;
      }
    } finally {
      sender.running = false;
    }
    const waiters = sender.waiters.splice(0);
    waiters.forEach((resolve) => resolve());
  }

  window.addEventListener("online", () => {
    sender.backoffMs = 0;
    pump();
  });

  // The microphone check --------------------------------------------------------------------

  function showError(text) {
    const error = slot("audio-error");
    error.textContent = text || "";
    error.hidden = !text;
  }

  async function microphone() {
    if (!stream) {
      stream = await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: true, noiseSuppression: true },
      });
    }
    return stream;
  }

  function release() {
    meterRunning = false;
    if (stream && !recorder) {
      stream.getTracks().forEach((track) => track.stop());
      stream = null;
    }
  }

  /** Ask for the microphone and show its level; true when it can record. */
  async function check() {
    showError("");
    if (!supportedType()) {
      showError(strings.unsupported);
      return false;
    }
    try {
      await microphone();
    } catch (error) {
      showError(required ? strings.no_microphone : strings.no_microphone_optional);
      return false;
    }
    showLevel();
    return true;
  }

  function showLevel() {
    const AudioContext = window.AudioContext || window.webkitAudioContext;
    if (meterRunning || !AudioContext) return;
    meterRunning = true;
    const context = new AudioContext();
    context.resume();
    const analyser = context.createAnalyser();
    analyser.fftSize = 1024;
    context.createMediaStreamSource(stream).connect(analyser);
    const samples = new Uint8Array(analyser.fftSize);
    const level = slot("audio-level");
    const status = slot("audio-status");
    let heardFrames = 0;
    function draw() {
      if (!meterRunning) {
        context.close();
        return;
      }
      analyser.getByteTimeDomainData(samples);
      let sum = 0;
      for (let i = 0; i < samples.length; i += 1) {
        const value = (samples[i] - 128) / 128;
        sum += value * value;
      }
      // Speech at a normal distance has an RMS of a few hundredths: scaled to fill the bar.
      const rms = Math.sqrt(sum / samples.length);
      level.value = Math.min(1, rms * 5);
      if (rms > 0.01) heardFrames += 1;
      const text = heardFrames > 10 ? strings.hearing : strings.silent;
      if (status.textContent !== text) status.textContent = text;
      window.requestAnimationFrame(draw);
    }
    draw();
  }

  const agree = form.elements.audio;
  if (agree) {
    agree.addEventListener("change", () => {
      slot("audio-check").hidden = !agree.checked;
      showError("");
      if (!agree.checked) release();
    });
  }
  box.addEventListener("click", (event) => {
    if (event.target.closest('[data-action="audio-check"]')) check();
  });

  // Before player.js starts the session: recording wanted needs a microphone that works.
  let passing = false;
  root.addEventListener(
    "submit",
    async (event) => {
      if (event.target !== form || passing) return;
      const wanted = required || Boolean(agree && agree.checked);
      if (!wanted || !form.elements.consent.checked) {
        chosen = false;
        return;
      }
      if (stream) {
        chosen = true;
        return;
      }
      event.preventDefault();
      event.stopPropagation();
      if (!(await check())) return;
      chosen = true;
      passing = true;
      form.requestSubmit();
      passing = false;
    },
    true,
  );

  // Recording -------------------------------------------------------------------------------

  function clock() {
    return Math.max(0, Math.round(Date.now() - session.startedAt));
  }

  function showBadge(text, live) {
    if (!badge) {
      badge = document.createElement("p");
      badge.className = "player-audio-badge";
      badge.setAttribute("role", "status");
      root.appendChild(badge);
    }
    badge.textContent = text;
    badge.classList.toggle("is-recording", live);
    badge.hidden = !text;
  }

  function startRecording() {
    const type = supportedType();
    if (!type || !stream || recorder || gone.has(session.token)) return;
    const token = session.token;
    const segment = clock();
    let index = 0;
    let lastEnd = segment;
    let kept = Promise.resolve();
    recorder = new window.MediaRecorder(stream, { mimeType: type, audioBitsPerSecond: 32000 });
    const mimeType = recorder.mimeType || type;
    recorder.addEventListener("dataavailable", (event) => {
      // An empty hand-over holds no time either: the next chunk covers it.
      if (!event.data || !event.data.size) return;
      const end = clock();
      const chunk = {
        key: chunkKey(token, segment, index),
        token: token,
        segment: segment,
        index: index,
        offsetMs: lastEnd,
        durationMs: Math.max(0, end - lastEnd),
        type: mimeType,
        data: event.data,
      };
      index += 1;
      lastEnd = end;
      kept = kept.then(() => keep(chunk)).then(() => {
        pump();
      });
    });
    stopped = new Promise((resolve) => {
      recorder.addEventListener("stop", () => kept.then(resolve));
    });
    recorder.start(TIMESLICE_MS);
    showBadge(strings.recording, true);
  }

  function stopRecording() {
    if (recorder && recorder.state !== "inactive") recorder.stop();
    recorder = null;
    meterRunning = false;
    if (stream) {
      stream.getTracks().forEach((track) => track.stop());
      stream = null;
    }
    if (badge) showBadge("", false);
  }

  root.addEventListener("player:session", async (event) => {
    session = { token: event.detail.token, startedAt: event.detail.startedAt };
    meterRunning = false;
    let wanted = chosen;
    if (chosen === null) {
      // A reload: record again if the participant agreed before it.
      try {
        wanted = window.localStorage.getItem(choiceKey(session.token)) === "on";
      } catch (error) {
        wanted = false;
      }
    } else {
      try {
        window.localStorage.setItem(choiceKey(session.token), chosen ? "on" : "off");
      } catch (error) {
        // Storage unavailable: after a reload the study goes on without recording.
      }
    }
    if (!wanted || ["finishing", "done"].includes(event.detail.phase)) {
      release();
      return;
    }
    try {
      await microphone();
    } catch (error) {
      return; // The microphone went away: the study goes on without recording.
    }
    startRecording();
  });

  root.addEventListener("player:session-end", stopRecording);
  window.addEventListener("pagehide", () => {
    if (recorder && recorder.state === "recording") recorder.requestData();
  });

  window.Protoplatform = window.Protoplatform || {};
  window.Protoplatform.Audio = {
    /** Resolves once the recorder has stopped and every chunk it recorded is sent (or refused):
     * the player waits for it before saying the participant may leave. */
    drained: async function () {
      await stopped;
      await new Promise((resolve) => {
        sender.waiters.push(resolve);
        pump();
      });
    },
  };

  // Whatever an earlier page load recorded and could not send.
  pump();
})();
