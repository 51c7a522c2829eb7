// The flow script editor: line numbers next to the script, problems marked on their lines,
// "show in script" links that put the caret on a line, and the preview's device frame. The live
// preview itself is htmx (the textarea posts to script_preview as the designer types).
(function () {
  "use strict";

  const textarea = document.querySelector("#script-form textarea.script-text");
  const gutter = document.querySelector("[data-script-gutter]");
  if (!textarea || !gutter) return;

  let marks = new Map(); // line number -> "is-error" or "is-warning"

  function drawGutter() {
    const count = textarea.value.split("\n").length;
    const lines = [];
    for (let number = 1; number <= count; number += 1) {
      const line = document.createElement("span");
      line.textContent = String(number);
      if (marks.has(number)) line.className = marks.get(number);
      lines.push(line);
    }
    gutter.replaceChildren(...lines);
    gutter.scrollTop = textarea.scrollTop;
  }

  function readMarks() {
    marks = new Map();
    const preview = document.getElementById("script-preview");
    if (!preview) return;
    preview.querySelectorAll(".script-warnings [data-goto-line]").forEach((link) => {
      marks.set(Number(link.dataset.gotoLine), "is-warning");
    });
    const error = preview.querySelector("[data-error-line]");
    if (error) marks.set(Number(error.dataset.errorLine), "is-error");
  }

  function goToLine(line, column) {
    const lines = textarea.value.split("\n");
    let offset = 0;
    for (let index = 0; index < line - 1 && index < lines.length; index += 1) {
      offset += lines[index].length + 1;
    }
    const lineText = lines[Math.min(line, lines.length) - 1] || "";
    const position = offset + Math.min(Math.max(column - 1, 0), lineText.length);
    textarea.focus({ preventScroll: true });
    textarea.setSelectionRange(position, column ? position : offset + lineText.length);
    // The script grows with its text, so the page scrolls rather than the textarea.
    const number = gutter.children[Math.min(line, gutter.children.length) - 1];
    if (number) number.scrollIntoView({ block: "center" });
  }

  function preparePreview() {
    document.querySelectorAll("#script-preview .sketch-device[data-aspect]").forEach((device) => {
      device.style.setProperty("--aspect", device.dataset.aspect);
    });
    readMarks();
    drawGutter();
  }

  textarea.addEventListener("input", () => {
    // Rebuilding the numbers on every keystroke is only needed when the line count changes.
    if (textarea.value.split("\n").length !== gutter.children.length) drawGutter();
  });
  textarea.addEventListener("scroll", () => {
    gutter.scrollTop = textarea.scrollTop;
  });

  document.addEventListener("click", (event) => {
    const link = event.target.closest("[data-goto-line]");
    if (link) {
      goToLine(Number(link.dataset.gotoLine), Number(link.dataset.gotoColumn || 0));
      return;
    }
    // A button in the preview shows the step it leads to, when that step exists.
    const choice = event.target.closest("#script-preview button[data-target]");
    const picker = document.getElementById("preview-step");
    if (choice && picker) {
      const option = Array.from(picker.options).find((o) => o.value === choice.dataset.target);
      if (option) {
        picker.value = option.value;
        picker.dispatchEvent(new Event("change", { bubbles: true }));
      }
    }
  });
  // The preview is a picture of a step, not a working form.
  document.addEventListener("submit", (event) => {
    if (event.target.closest("#script-preview")) event.preventDefault();
  });

  function setBusy(busy) {
    const preview = document.getElementById("script-preview");
    if (preview) preview.setAttribute("aria-busy", busy ? "true" : "false");
  }
  document.body.addEventListener("htmx:beforeRequest", () => setBusy(true));
  document.body.addEventListener("htmx:afterRequest", () => setBusy(false));
  document.body.addEventListener("htmx:afterSettle", preparePreview);

  preparePreview();
})();
