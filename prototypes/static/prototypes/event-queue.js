/*
 * The participant's event queue: records what they do and delivers every event to the server
 * exactly once, whatever the network does (see docs/api.md for the contract).
 *
 * - Each event gets a UUID here; the server ignores a UUID it already has, so sending an event
 *   twice is harmless and the queue can always err on the side of sending again.
 * - Unsent events live in localStorage, so a reload, a crash or a closed tab loses nothing:
 *   the next page load sends them.
 * - Network failures and 5xx answers are retried with jittered exponential backoff; a 429 waits
 *   for its Retry-After. Other 4xx answers are never retried as they are: a 400 or 413 batch
 *   is split in halves until the one bad event is found and dropped (and counted), a 404 or 410
 *   means the session is gone, and anything else stops sending until the page is reloaded.
 * - The stored queue is capped; the oldest events beyond the cap are dropped and the running
 *   total of dropped events is reported with every batch.
 * - When the page is hidden or closed, what is left goes out with navigator.sendBeacon. Those
 *   events stay queued, because a beacon's fate is unknown; the next send repeats them.
 * - A queue made before its session has a token (the player starts the session in the
 *   background) holds its events in memory and sends them once connect() gives it the
 *   session's URL; abandon() forgets them if the session never starts.
 */
(function () {
  "use strict";

  const BEACON_MAX_BYTES = 60000; // browsers allow 64 KiB of beacons in flight
  const MAX_BACKOFF_MS = 60000;
  const FIRST_BACKOFF_MS = 1000;
  const REQUEST_TIMEOUT_MS = 20000;

  function newEventId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    // Older browsers, and pages not served over HTTPS, have no randomUUID: build a version 4
    // UUID from getRandomValues (or Math.random as a last resort).
    const bytes = new Uint8Array(16);
    if (window.crypto && typeof window.crypto.getRandomValues === "function") {
      window.crypto.getRandomValues(bytes);
    } else {
      for (let i = 0; i < bytes.length; i += 1) bytes[i] = Math.floor(Math.random() * 256);
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)]
      .join("-");
  }

  function retryAfterMs(response) {
    const header = response.headers.get("Retry-After");
    if (!header) return FIRST_BACKOFF_MS;
    const seconds = Number(header);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(header);
    return Number.isFinite(date) ? Math.max(0, date - Date.now()) : FIRST_BACKOFF_MS;
  }

  class EventQueue {
    /**
     * url: the session's events endpoint. storageKey: where the unsent queue is kept. Both are
     * left out until the session has a token (see connect).
     * startedAt: Date.now() when the session started; every event's t_ms counts from it.
     * onStatus("ok" | "retrying" | "stopped"), onSessionGone(status): let the page tell the
     * participant what is happening.
     */
    constructor(options) {
      this.url = options.url || null;
      this.storageKey = options.storageKey || null;
      this.startedAt = options.startedAt;
      this.maxStored = options.maxStored || 5000;
      this.batchSize = options.batchSize || 100;
      this.flushDelayMs = options.flushDelayMs === undefined ? 800 : options.flushDelayMs;
      this.onStatus = options.onStatus || function () {};
      this.onSessionGone = options.onSessionGone || function () {};

      const saved = this.load();
      this.events = saved.events;
      this.dropped = saved.dropped;
      this.lastT = saved.lastT;
      this.inFlight = new Set();
      this.sending = false;
      this.stopped = false;
      this.failures = 0;
      this.splitTo = 0;
      this.timer = null;
      this.timerDue = 0;
      this.holdUntil = 0;
      this.rateLimited = false;
      this.waiters = [];

      window.addEventListener("online", () => this.wake());
      window.addEventListener("pagehide", () => this.beacon());
      document.addEventListener("visibilitychange", () => {
        if (document.visibilityState === "hidden") this.beacon();
        else this.wake();
      });
      if (this.events.length) this.flushSoon(0);
    }

    load() {
      if (!this.storageKey) return { events: [], dropped: 0, lastT: 0 };
      try {
        const saved = JSON.parse(window.localStorage.getItem(this.storageKey) || "null");
        if (saved && Array.isArray(saved.events)) {
          return { events: saved.events, dropped: saved.dropped || 0, lastT: saved.lastT || 0 };
        }
      } catch (error) {
        // Storage unavailable (private mode) or corrupted: start with an empty queue.
      }
      return { events: [], dropped: 0, lastT: 0 };
    }

    save() {
      if (!this.storageKey) return;
      try {
        window.localStorage.setItem(
          this.storageKey,
          JSON.stringify({ events: this.events, dropped: this.dropped, lastT: this.lastT }),
        );
      } catch (error) {
        // Storage full or unavailable: the queue still works in memory for this page.
      }
    }

    /** Forget the stored queue once nothing is left to send (the session is over). */
    discard() {
      if (this.events.length) return;
      try {
        window.localStorage.removeItem(this.storageKey);
      } catch (error) {
        // Nothing was stored.
      }
    }

    /** Milliseconds since the session started, never going backwards. */
    now() {
      this.lastT = Math.max(this.lastT, Math.round(Date.now() - this.startedAt));
      return this.lastT;
    }

    /** Queue one event; fields are task, screen, hotspot, x, y and data as docs/api.md says. */
    record(type, fields) {
      const event = Object.assign({ id: newEventId(), type: type, t_ms: this.now() }, fields);
      this.events.push(event);
      while (this.events.length > this.maxStored) {
        const index = this.events.findIndex((queued) => !this.inFlight.has(queued.id));
        if (index === -1) break;
        this.events.splice(index, 1);
        this.dropped += 1;
      }
      this.save();
      this.flushSoon(this.events.length >= this.batchSize ? 0 : this.flushDelayMs);
      return event;
    }

    flushSoon(delayMs) {
      if (this.stopped || this.sending || !this.url) return;
      // Never earlier than a backoff or a 429's Retry-After allows.
      const delay = Math.max(delayMs, this.holdUntil - Date.now(), 0);
      if (this.timer) {
        if (delay >= this.timerDue - Date.now()) return;
        window.clearTimeout(this.timer);
      }
      this.timerDue = Date.now() + delay;
      this.timer = window.setTimeout(() => {
        this.timer = null;
        this.send();
      }, delay);
    }

    /** The session has its token: keep the events recorded so far under it and send them. */
    connect(url, storageKey) {
      this.url = url;
      this.storageKey = storageKey;
      this.save();
      this.flushSoon(0);
    }

    /** The session could not start: nothing recorded for it will ever be sent. */
    abandon() {
      this.stopped = true;
      this.events = [];
      this.settle();
    }

    /** The network is back (or the page is visible again): retry now, unless a 429 said wait. */
    wake() {
      if (!this.rateLimited) this.holdUntil = 0;
      this.flushSoon(0);
    }

    /** Resolves once every queued event is stored (or the session is gone). */
    drained() {
      if (!this.events.length || this.stopped) return Promise.resolve();
      this.flushSoon(0);
      return new Promise((resolve) => this.waiters.push(resolve));
    }

    settle() {
      if (this.events.length && !this.stopped) return;
      const waiters = this.waiters;
      this.waiters = [];
      waiters.forEach((resolve) => resolve());
    }

    async send() {
      if (this.sending || this.stopped) return;
      if (!this.events.length) {
        this.settle();
        return;
      }
      this.sending = true;
      const batch = this.events.slice(0, this.splitTo || this.batchSize);
      batch.forEach((event) => this.inFlight.add(event.id));
      const controller = window.AbortController ? new AbortController() : null;
      const timeout = window.setTimeout(() => controller && controller.abort(), REQUEST_TIMEOUT_MS);
      let retryIn = 0;
      try {
        const response = await window.fetch(this.url, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ events: batch, dropped: this.dropped }),
          credentials: "same-origin",
          signal: controller ? controller.signal : undefined,
        });
        retryIn = this.handle(response, batch);
      } catch (error) {
        retryIn = this.backoff(); // offline, DNS failure, connection reset, timeout…
      } finally {
        window.clearTimeout(timeout);
        batch.forEach((event) => this.inFlight.delete(event.id));
        this.sending = false;
      }
      if (retryIn === null) {
        this.settle();
      } else {
        this.holdUntil = Date.now() + retryIn;
        this.flushSoon(retryIn);
      }
    }

    /** What to do after an answer: the delay before the next send, or null to stop. */
    handle(response, batch) {
      const status = response.status;
      this.rateLimited = status === 429;
      if (response.ok) {
        this.forget(batch);
        this.failures = 0;
        this.splitTo = 0;
        this.onStatus("ok");
        return this.events.length ? 0 : null;
      }
      if (status === 429) {
        this.onStatus("retrying");
        return retryAfterMs(response);
      }
      if (status >= 500) return this.backoff();
      if (status === 404 || status === 410 || status === 409) {
        this.stopped = true;
        this.events = [];
        this.save();
        this.onSessionGone(status);
        return null;
      }
      if (status === 400 || status === 413 || status === 422) {
        if (batch.length > 1) {
          this.splitTo = Math.ceil(batch.length / 2);
        } else {
          // This one event can never be stored: drop it and say so in the next batch.
          this.forget(batch);
          this.dropped += 1;
          this.save();
          this.splitTo = 0;
          if (window.console) window.console.warn("Event refused by the server", batch[0]);
        }
        return 0;
      }
      // 401, 403, 405…: something is wrong with the set-up, not the events. Keep them for the
      // next page load and stop sending from this one.
      this.stopped = true;
      this.onStatus("stopped");
      return null;
    }

    backoff() {
      this.rateLimited = false;
      this.failures += 1;
      this.onStatus("retrying");
      const ceiling = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (this.failures - 1));
      return ceiling / 2 + Math.random() * (ceiling / 2);
    }

    forget(batch) {
      const sent = new Set(batch.map((event) => event.id));
      this.events = this.events.filter((event) => !sent.has(event.id));
      this.save();
    }

    /** Send what is left as the page goes away; the events stay queued until acknowledged. */
    beacon() {
      if (this.stopped || !this.url || !this.events.length || !navigator.sendBeacon) return;
      const batch = [];
      let body = "";
      for (const event of this.events.slice(0, this.batchSize)) {
        const candidate = JSON.stringify({ events: batch.concat([event]), dropped: this.dropped });
        if (candidate.length > BEACON_MAX_BYTES) break;
        batch.push(event);
        body = candidate;
      }
      if (!batch.length) return;
      // text/plain keeps the beacon a "simple" request; the server reads the body as JSON.
      navigator.sendBeacon(this.url, new Blob([body], { type: "text/plain;charset=UTF-8" }));
    }
  }

  window.Protoplatform = window.Protoplatform || {};
  window.Protoplatform.EventQueue = EventQueue;
  window.Protoplatform.newEventId = newEventId;
})();
