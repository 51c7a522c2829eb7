/*
 * The think-aloud audio of a session replay, played in step with the clicks
 * (audio/replay_audio.html, beside reports/replay.html).
 *
 * replay.js owns the clock: on every frame it tells the participant's time ("replay:tick"),
 * and this file keeps the <audio> element on the recorder segment that covers that moment,
 * at the same time (re-aligned when it drifts further than DRIFT_MS) and speed. A gap in the
 * recording is silence. Clicking a transcript line or a clip asks replay.js to jump there
 * ("replay:seek-to") and play; a clip pauses at its end. The transcript line being said is
 * highlighted, and "Mark start/end here" copy the current moment into the clip form.
 */
(function () {
  "use strict";

  const replay = document.getElementById("replay");
  const panel = document.getElementById("voice");
  if (!replay || !panel) return;
  const data = JSON.parse(document.getElementById(panel.dataset.audio).textContent);
  const audio = panel.querySelector('[data-slot="audio"]');
  const DRIFT_MS = 300;

  let loaded = null; // the segment whose stream the <audio> element holds
  let now = 0; // the participant's time the replay shows, in ms
  let playing = false;
  let stopAt = null; // the end of the clip being played

  // Pauses are where people think aloud: the replay plays them in full, not cut short.
  const skipIdle = replay.querySelector('[data-action="skip-idle"]');
  if (skipIdle && skipIdle.checked) {
    skipIdle.checked = false;
    skipIdle.dispatchEvent(new Event("change"));
  }

  function segmentAt(ms) {
    return data.segments.find((segment) => segment.start_ms <= ms && ms < segment.end_ms) || null;
  }

  function load(segment) {
    if (loaded === segment) return;
    loaded = segment;
    if (segment) audio.src = segment.url;
  }

  function follow(detail) {
    now = detail.at;
    playing = detail.playing;
    const segment = segmentAt(now);
    if (!segment) {
      if (!audio.paused) audio.pause();
    } else {
      load(segment);
      const wanted = (now - segment.start_ms) / 1000;
      audio.playbackRate = detail.speed;
      if (Math.abs(audio.currentTime - wanted) * 1000 > DRIFT_MS) audio.currentTime = wanted;
      if (playing && audio.paused) audio.play().catch(() => {});
      if (!playing && !audio.paused) audio.pause();
    }
    if (stopAt !== null && playing && now >= stopAt) {
      stopAt = null;
      replay.dispatchEvent(new CustomEvent("replay:play", { detail: { on: false } }));
    }
    highlight();
  }

  let lastHighlighted = null;

  function highlight() {
    const lines = panel.querySelectorAll(".transcript-line[data-start-ms]");
    let current = null;
    lines.forEach((line) => {
      if (Number(line.dataset.startMs) <= now && now < Number(line.dataset.endMs)) current = line;
    });
    if (current === lastHighlighted) return;
    if (lastHighlighted) lastHighlighted.classList.remove("is-now");
    if (current) current.classList.add("is-now");
    lastHighlighted = current;
  }

  function jump(ms, until) {
    stopAt = until;
    replay.dispatchEvent(new CustomEvent("replay:seek-to", { detail: { at: ms } }));
    replay.dispatchEvent(new CustomEvent("replay:play", { detail: { on: true } }));
  }

  replay.addEventListener("replay:tick", (event) => follow(event.detail));

  // The transcript and the clips (a section of their own) are both inside the replay.
  replay.addEventListener("click", (event) => {
    const seeker = event.target.closest("[data-seek-ms]");
    if (seeker) {
      const until = seeker.dataset.untilMs ? Number(seeker.dataset.untilMs) : null;
      jump(Number(seeker.dataset.seekMs), until);
      return;
    }
    const mark = event.target.closest("[data-mark]");
    if (mark) {
      const input = replay.querySelector(`#clips input[name="${mark.dataset.mark}"]`);
      if (input) input.value = (now / 1000).toFixed(1);
    }
  });

  // A search result links to a moment: #t-<ms>.
  const moment = /^#t-(\d+)$/.exec(window.location.hash);
  if (moment) {
    replay.dispatchEvent(new CustomEvent("replay:seek-to", { detail: { at: Number(moment[1]) } }));
  }
})();
