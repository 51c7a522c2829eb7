/*
 * Prototype page: upload screens and reorder them.
 *
 * Uploads: files dropped on the drop zone or picked with the file input are sorted by name the
 * way people number files (2 before 10) and sent one request each, in that order, so every
 * file has its own progress bar and the screens keep the order of their names. The plain
 * form still works without JavaScript.
 *
 * Reordering: screen cards can be dragged; the new order is saved and the grid re-rendered by
 * the server. The Earlier/Later buttons on each card do the same from the keyboard.
 */
(function () {
  "use strict";

  const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

  function csrfToken() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function refreshGrid() {
    document.body.dispatchEvent(new CustomEvent("screens-changed"));
  }

  function setUpUploads(form) {
    const input = form.querySelector("input[type=file]");
    const zone = form.querySelector("[data-dropzone]");
    const list = form.querySelector("[data-upload-list]");
    const submit = form.querySelector("[data-upload-submit]");
    const maxBytes = parseInt(form.dataset.maxBytes, 10) || Infinity;
    let queue = Promise.resolve();

    // Files upload as soon as they are chosen; the button is only for the no-script form.
    submit.hidden = true;

    function addRow(file) {
      const row = document.createElement("li");
      const name = document.createElement("span");
      name.className = "upload-name";
      name.textContent = file.name;
      const progress = document.createElement("progress");
      progress.max = 1;
      progress.value = 0;
      progress.setAttribute("aria-label", `Upload of ${file.name}`);
      const message = document.createElement("span");
      message.className = "upload-message muted";
      message.textContent = "Waiting…";
      row.append(name, progress, message);
      list.append(row);
      return { row, progress, message };
    }

    function finish(entry, text, failed) {
      entry.message.textContent = text;
      entry.message.classList.toggle("upload-error", failed);
      entry.message.classList.toggle("muted", !failed);
      if (failed) entry.progress.remove();
      else entry.progress.value = 1;
    }

    // A failed request (no answer, or a server error, which rolls the upload back) is sent again
    // after a pause: a moment's outage or a busy server should not cost the designer a screen.
    const RETRY_DELAYS_MS = [1000, 3000, 9000];

    function send(file, entry, cleanPaper, attempt = 0) {
      return new Promise((resolve) => {
        if (file.size > maxBytes) {
          const megabytes = Math.round(maxBytes / 1024 / 1024);
          finish(entry, `Not uploaded: larger than ${megabytes} MB.`, true);
          resolve();
          return;
        }
        const data = new FormData();
        data.append("files", file);
        if (cleanPaper) data.append("clean_paper", "1");
        const request = new XMLHttpRequest();
        let retry = false;
        request.open("POST", form.action);
        request.setRequestHeader("Accept", "application/json");
        request.setRequestHeader("X-CSRFToken", csrfToken());
        entry.message.textContent = "Uploading…";
        request.upload.addEventListener("progress", (event) => {
          if (event.lengthComputable) entry.progress.value = event.loaded / event.total;
        });
        request.addEventListener("load", () => {
          let body = {};
          try {
            body = JSON.parse(request.responseText);
          } catch (error) {
            body = {};
          }
          if (request.status === 201) {
            finish(entry, "Uploaded: its card below shows when it is ready.", false);
            refreshGrid();
          } else if (request.status >= 500 && attempt < RETRY_DELAYS_MS.length) {
            retry = true;
          } else {
            finish(entry, body.error || `Not uploaded (error ${request.status}).`, true);
          }
        });
        request.addEventListener("error", () => {
          if (attempt < RETRY_DELAYS_MS.length) retry = true;
          else finish(entry, "Not uploaded: the connection failed. Try again.", true);
        });
        request.addEventListener("loadend", () => {
          if (!retry) {
            resolve();
            return;
          }
          entry.message.textContent = "Not sent yet: trying again in a moment…";
          setTimeout(() => {
            send(file, entry, cleanPaper, attempt + 1).then(resolve);
          }, RETRY_DELAYS_MS[attempt]);
        });
        request.send(data);
      });
    }

    function upload(files) {
      const cleanPaper = form.elements.clean_paper && form.elements.clean_paper.checked;
      files.sort((a, b) => collator.compare(a.name, b.name));
      files.forEach((file) => {
        const entry = addRow(file);
        queue = queue.then(() => send(file, entry, cleanPaper));
      });
    }

    input.addEventListener("change", () => {
      if (input.files.length) upload(Array.from(input.files));
      input.value = "";
    });

    const carriesFiles = (event) => Array.from(event.dataTransfer.types).includes("Files");
    zone.addEventListener("dragover", (event) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "copy";
      zone.classList.add("is-dragging");
    });
    zone.addEventListener("dragleave", (event) => {
      if (!zone.contains(event.relatedTarget)) zone.classList.remove("is-dragging");
    });
    zone.addEventListener("drop", (event) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      zone.classList.remove("is-dragging");
      upload(Array.from(event.dataTransfer.files));
    });
  }

  function setUpReordering() {
    let dragged = null;

    const cardOf = (target) => target.closest && target.closest("[data-screen-grid] .screen-card");
    const clearMarks = () =>
      document.querySelectorAll(".drop-before, .drop-after").forEach((card) => {
        card.classList.remove("drop-before", "drop-after");
      });

    // Dragging from a field or button would stop text selection and clicks working there.
    document.addEventListener("pointerdown", (event) => {
      const card = cardOf(event.target);
      if (card && card.hasAttribute("draggable")) {
        const interactive = event.target.closest("input, button, select, textarea, summary, label");
        card.draggable = !interactive;
      }
    });

    document.addEventListener("dragstart", (event) => {
      const card = cardOf(event.target);
      if (!card || !card.draggable) return;
      dragged = card;
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", card.dataset.screenId);
      card.classList.add("is-dragged");
    });

    document.addEventListener("dragover", (event) => {
      const card = cardOf(event.target);
      if (!dragged || !card || card === dragged) return;
      event.preventDefault();
      const box = card.getBoundingClientRect();
      const after = event.clientX > box.left + box.width / 2;
      clearMarks();
      card.classList.add(after ? "drop-after" : "drop-before");
    });

    document.addEventListener("drop", (event) => {
      const card = cardOf(event.target);
      if (!dragged || !card || card === dragged) return;
      event.preventDefault();
      if (card.classList.contains("drop-after")) card.after(dragged);
      else card.before(dragged);
      const grid = document.getElementById("screen-grid");
      const order = Array.from(grid.querySelectorAll(".screen-card")).map((item) => item.dataset.screenId);
      htmx.ajax("POST", grid.dataset.reorderUrl, {
        target: "#screen-grid",
        swap: "outerHTML",
        values: { order: order.join(",") },
        headers: { "X-CSRFToken": csrfToken() },
      });
    });

    document.addEventListener("dragend", () => {
      if (dragged) dragged.classList.remove("is-dragged");
      dragged = null;
      clearMarks();
    });
  }

  const form = document.querySelector("[data-upload-form]");
  if (form) setUpUploads(form);
  if (document.querySelector("[data-reorder-url]")) setUpReordering();
})();
