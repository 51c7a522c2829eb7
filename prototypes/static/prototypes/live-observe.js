/*
 * Live observation (live/study_live.html, live/observe.html): server-sent events from the live
 * channel (docs/live.md) drawn as they arrive.
 *
 * The browser's EventSource reconnects on its own and sends the last event's id: the server
 * replays what was stored since, then goes on live. Every event and note is kept once (by its
 * id), so a replay that overlaps what the page already shows changes nothing.
 */
(function () {
  "use strict";

  const sessionList = document.getElementById("live-sessions");
  if (sessionList) watchStudy(sessionList);
  const observed = document.getElementById("live-observe");
  if (observed) watchSession(observed);

  function watchStudy(list) {
    const source = new EventSource(list.dataset.stream);
    source.addEventListener("session", (message) => {
      const line = JSON.parse(message.data);
      let row = list.querySelector(`[data-session="${line.session}"]`);
      if (!row) {
        row = document.createElement("li");
        row.dataset.session = String(line.session);
        const link = document.createElement("a");
        link.href = list.dataset.sessionUrl.replace(/\/0\/$/, `/${line.session}/`);
        link.textContent = `Session ${line.session}`;
        const state = document.createElement("span");
        state.className = "badge badge-live";
        state.dataset.slot = "state";
        state.textContent = "In progress";
        const activity = document.createElement("small");
        activity.className = "muted";
        activity.dataset.slot = "activity";
        row.append(link, " ", state, " ", activity);
        list.querySelector('[data-slot="empty"]')?.remove();
      }
      row.querySelector('[data-slot="activity"]').textContent =
        `${line.type.replace("_", " ")} at ${clock(line.t_ms)}`;
      if (line.ended) {
        const state = row.querySelector('[data-slot="state"]');
        state.className = "badge badge-closed";
        state.textContent = "Completed";
      }
      list.prepend(row);
    });
  }

  function watchSession(root) {
    const data = JSON.parse(document.getElementById(root.dataset.live).textContent);
    const slot = (name) => document.querySelector(`[data-slot="${name}"]`);
    const seen = new Set();
    const counts = { click: 0, misclick: 0, task_end: 0 };
    let screen = null;
    // The session's clock as last heard, and when: a note is stamped at the session's "now".
    let lastMs = 0;
    let lastHeardAt = null;
    let ended = false;

    const source = new EventSource(root.dataset.stream);
    source.addEventListener("open", () => {
      slot("connection").textContent = "Live";
      slot("connection").dataset.state = "live";
    });
    source.addEventListener("error", () => {
      slot("connection").textContent = "Reconnecting… (what happens meanwhile is kept)";
      slot("connection").dataset.state = "reconnecting";
    });
    source.addEventListener("activity", (message) => {
      const event = JSON.parse(message.data);
      if (seen.has(event.id)) return;
      seen.add(event.id);
      apply(event);
    });
    source.addEventListener("note", (message) => addNote(JSON.parse(message.data)));

    function apply(event) {
      if (event.t_ms >= lastMs) {
        lastMs = event.t_ms;
        lastHeardAt = Date.now();
      }
      if (event.screen != null && event.screen !== screen) show(event.screen);
      if ((event.type === "click" || event.type === "misclick") && event.x != null) mark(event);
      if (event.type in counts) {
        counts[event.type] += 1;
        slot("clicks").textContent = String(counts.click);
        slot("misclicks").textContent = String(counts.misclick);
        slot("tasks-done").textContent = String(counts.task_end);
      }
      if (event.type === "task_start") {
        const task = data.tasks[String(event.task)];
        slot("task").textContent = task ? `Task ${task.number}: ${task.instruction}` : "";
      } else if (event.type === "task_end") {
        slot("task").textContent = "Between tasks";
      } else if (event.type === "session_end") {
        ended = true;
        slot("task").textContent = "The participant finished the session.";
      }
      log(event);
    }

    function show(screenId) {
      screen = screenId;
      const info = data.screens[String(screenId)];
      slot("screen-name").textContent = info ? info.name : "A screen";
      const image = slot("image");
      if (info && info.image) {
        image.src = info.image;
        image.alt = `Screen “${info.name}”`;
        image.hidden = false;
      } else {
        image.hidden = true;
      }
      for (const old of slot("surface").querySelectorAll(".live-mark")) old.remove();
    }

    function mark(event) {
      const dot = document.createElement("span");
      dot.className = `live-mark live-${event.type}`;
      dot.dataset.eventId = event.id;
      dot.style.left = `${event.x * 100}%`;
      dot.style.top = `${event.y * 100}%`;
      slot("surface").append(dot);
    }

    function log(event) {
      const line = document.createElement("li");
      line.dataset.eventId = event.id;
      line.dataset.type = event.type;
      const time = document.createElement("time");
      time.textContent = clock(event.t_ms);
      line.append(time, " ", describe(event));
      slot("log").prepend(line);
    }

    function describe(event) {
      const screenName = data.screens[String(event.screen)]?.name || "a screen";
      const task = data.tasks[String(event.task)];
      switch (event.type) {
        case "task_start":
          return `Started task ${task ? task.number : ""}`;
        case "task_end":
          return `Ended task ${task ? task.number : ""} (${event.data?.reason || "done"})`;
        case "navigate":
          return `Went to “${screenName}”`;
        case "click":
          return `Clicked on “${screenName}”`;
        case "misclick":
          return `Misclicked on “${screenName}”`;
        case "comment":
          return `Commented: “${event.data?.text || ""}”`;
        case "text":
          return `Typed: “${event.data?.text || ""}”`;
        case "answer":
          return `Answered: ${JSON.stringify(event.data?.value ?? event.data?.seq ?? "")}`;
        case "give_up":
          return "Gave up";
        case "session_end":
          return "Finished the session";
        default:
          return event.type.replace("_", " ");
      }
    }

    function addNote(note) {
      const list = slot("notes");
      if (list.querySelector(`[data-note="${note.note}"]`)) return;
      const item = document.createElement("li");
      item.dataset.note = String(note.note);
      const time = document.createElement("time");
      time.textContent = clock(note.t_ms);
      const text = document.createElement("p");
      text.textContent = note.text;
      const meta = document.createElement("small");
      meta.className = "muted";
      meta.textContent = [note.author, ...note.tags.map((tag) => `#${tag}`)].join(" · ");
      item.append(time, text, meta);
      // In the session's order, as the replay shows them.
      const later = [...list.children].find((other) => Number(other.dataset.t) > note.t_ms);
      item.dataset.t = String(note.t_ms);
      list.insertBefore(item, later || null);
    }

    const form = slot("note-form");
    form.addEventListener("submit", async (submit) => {
      submit.preventDefault();
      const elapsed = lastHeardAt === null || ended ? 0 : Date.now() - lastHeardAt;
      form.elements.t_ms.value = String(lastMs + elapsed);
      slot("note-error").textContent = "";
      try {
        const response = await fetch(form.action, {
          method: "POST",
          body: new FormData(form),
          headers: { Accept: "application/json" },
          credentials: "same-origin",
        });
        if (response.ok) {
          form.elements.text.value = "";
          return;
        }
        const answer = await response.json().catch(() => ({}));
        slot("note-error").textContent = answer.error || "The note was not saved. Try again.";
      } catch (error) {
        slot("note-error").textContent = "The note was not saved (no connection). Try again.";
      }
    });
  }

  function clock(ms) {
    const seconds = Math.floor(ms / 1000);
    return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
  }
})();
