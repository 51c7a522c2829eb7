/*
 * Hotspot editor: draw hotspots on the screen image, link them by clicking a screen in the
 * filmstrip (or dragging a hotspot's ➜ handle onto it), move and resize them, share them on
 * other screens, undo and redo, all from the mouse, a finger or the keyboard.
 *
 * The forms in #hotspot-panel are the truth: every rectangle is read from a form's
 * x/y/width/height fields (percent of the image), and every change writes those fields and
 * submits the form (htmx swaps the panel and the rectangles are drawn again from the new
 * forms). Drawing fills the "new hotspot" form; picking its target submits it, so a hotspot
 * takes one drag and one click. Everything stays possible with the forms alone, without
 * JavaScript.
 */
(function () {
  "use strict";

  const canvas = document.querySelector("[data-editor-canvas]");
  if (!canvas) return;
  const layer = canvas.querySelector("[data-editor-layer]");
  const filmstrip = document.querySelector("[data-filmstrip]");
  const help = document.querySelector("[data-canvas-help]");
  const helpText = help.textContent;
  // Drags shorter than this (in percent of the image) are clicks, not new hotspots.
  const MIN_SIZE = 1;
  // Arrow keys move a hotspot this far (percent); the change is saved once the keys rest.
  const NUDGE = 0.5;
  const NUDGE_SAVE_DELAY = 500;
  let drag = null;
  let selected = [];
  // The rectangle drawn for a hotspot not added yet: a panel swapped in meanwhile (another
  // hotspot saved, a share) brings an empty "new" form, which gets it back.
  let pendingBox = null;
  let selectNewest = false;
  let nudgeTimer = null;

  const panel = () => document.getElementById("hotspot-panel");
  const allForms = () => Array.from(panel().querySelectorAll("[data-hotspot-form]"));
  const savedForms = () => allForms().filter((form) => !("new" in form.dataset));
  const newForm = () => panel().querySelector("[data-hotspot-form][data-new]");
  const formFor = (prefix) => allForms().find((form) => form.dataset.prefix === prefix);
  const field = (form, name) => form.elements[`${form.dataset.prefix}-${name}`];
  const clamp = (value, low, high) => Math.min(high, Math.max(low, value));
  const primary = () => formFor(selected[selected.length - 1]);

  function readBox(form) {
    const box = {};
    for (const name of ["x", "y", "width", "height"]) {
      const value = parseFloat(field(form, name).value);
      if (!Number.isFinite(value)) return null;
      box[name] = value;
    }
    return box.width > 0 && box.height > 0 ? box : null;
  }

  function writeBox(form, box) {
    for (const name of ["x", "y", "width", "height"]) {
      field(form, name).value = box[name].toFixed(2);
    }
  }

  function clearBox(form) {
    for (const name of ["x", "y", "width", "height"]) field(form, name).value = "";
  }

  function place(element, box) {
    element.style.left = `${box.x}%`;
    element.style.top = `${box.y}%`;
    element.style.width = `${box.width}%`;
    element.style.height = `${box.height}%`;
  }

  function select(prefixes) {
    selected = prefixes.filter((prefix) => formFor(prefix));
    // The designer chose: the panel of an earlier save must not select its hotspot instead.
    selectNewest = false;
    draw();
  }

  function draw() {
    layer.replaceChildren();
    allForms().forEach((form) => {
      const box = readBox(form);
      if (!box) return;
      const rect = document.createElement("div");
      rect.className = "hotspot-rect";
      rect.dataset.prefix = form.dataset.prefix;
      rect.classList.toggle("is-new", "new" in form.dataset);
      rect.classList.toggle("is-selected", selected.includes(form.dataset.prefix));
      rect.classList.toggle("has-error", !!form.querySelector("[aria-invalid=true], .errorlist"));
      const label = document.createElement("span");
      label.textContent = field(form, "label").value || "New hotspot";
      rect.append(label);
      for (const corner of ["nw", "ne", "sw", "se"]) {
        const handle = document.createElement("div");
        handle.className = "hotspot-handle";
        handle.dataset.handle = corner;
        rect.append(handle);
      }
      const link = document.createElement("div");
      link.className = "hotspot-link-handle";
      link.dataset.handle = "link";
      link.textContent = "➜";
      rect.append(link);
      place(rect, box);
      layer.append(rect);
    });
    allForms().forEach((form) => {
      form.classList.toggle("is-selected", selected.includes(form.dataset.prefix));
    });
    // Only once the drawing is done: the text above the image must not move it mid-drag.
    const pending = selected.includes("new") && !drag;
    help.textContent = pending
      ? "Now click the screen this hotspot leads to, or Go back / End the flow (Esc cancels)."
      : helpText;
    help.classList.toggle("is-prompt", pending);
    filmstrip.classList.toggle("is-picking", selected.length > 0);
    const canPick = selected.length === 1;
    filmstrip.querySelectorAll("[data-target-screen], [data-target-action]").forEach((button) => {
      button.disabled = !canPick;
    });
  }

  function showTargetFields() {
    allForms().forEach((form) => {
      const wrapper = form.querySelector("[data-target-field]");
      if (wrapper) wrapper.hidden = field(form, "action").value !== "goto";
    });
  }

  function submit(form) {
    if ("new" in form.dataset) {
      selectNewest = true;
      pendingBox = null;
    }
    form.requestSubmit();
  }

  // The target of the selected hotspot: a screen (its id) or "back" / "end".
  function link(target) {
    const form = primary();
    if (!form || !readBox(form)) return;
    const label = field(form, "label");
    const targetField = field(form, "target");
    const oldName = targetField.selectedOptions[0] ? targetField.selectedOptions[0].text : "";
    // A label that was only the old target's name follows the new target.
    if (label.value === oldName || ["Back", "Finish"].includes(label.value)) label.value = "";
    if (target === "back" || target === "end") {
      field(form, "action").value = target;
      targetField.value = "";
    } else {
      field(form, "action").value = "goto";
      targetField.value = String(target);
    }
    submit(form);
  }

  function pointerPercent(event) {
    const box = canvas.getBoundingClientRect();
    return {
      x: clamp(((event.clientX - box.left) / box.width) * 100, 0, 100),
      y: clamp(((event.clientY - box.top) / box.height) * 100, 0, 100),
    };
  }

  function boxDuringDrag(point) {
    const { mode, start, origin } = drag;
    if (mode === "draw") {
      return {
        x: Math.min(start.x, point.x),
        y: Math.min(start.y, point.y),
        width: Math.abs(point.x - start.x),
        height: Math.abs(point.y - start.y),
      };
    }
    const dx = point.x - start.x;
    const dy = point.y - start.y;
    if (mode === "move") {
      return {
        x: clamp(origin.x + dx, 0, 100 - origin.width),
        y: clamp(origin.y + dy, 0, 100 - origin.height),
        width: origin.width,
        height: origin.height,
      };
    }
    let left = origin.x;
    let top = origin.y;
    let right = origin.x + origin.width;
    let bottom = origin.y + origin.height;
    if (mode.includes("w")) left = clamp(left + dx, 0, right - MIN_SIZE);
    if (mode.includes("e")) right = clamp(right + dx, left + MIN_SIZE, 100);
    if (mode.includes("n")) top = clamp(top + dy, 0, bottom - MIN_SIZE);
    if (mode.includes("s")) bottom = clamp(bottom + dy, top + MIN_SIZE, 100);
    return { x: left, y: top, width: right - left, height: bottom - top };
  }

  function dropTarget(event) {
    const element = document.elementFromPoint(event.clientX, event.clientY);
    const button = element && element.closest("[data-target-screen], [data-target-action]");
    if (!button) return null;
    return button.dataset.targetScreen || button.dataset.targetAction;
  }

  canvas.addEventListener("pointerdown", (event) => {
    if (event.button !== 0 || drag) return;
    const rect = event.target.closest(".hotspot-rect");
    const handle = event.target.closest("[data-handle]");
    const form = rect ? formFor(rect.dataset.prefix) : newForm();
    if (rect && event.shiftKey) {
      const prefix = form.dataset.prefix;
      select(selected.includes(prefix) ? selected.filter((p) => p !== prefix) : [...selected, prefix]);
      event.preventDefault();
      return;
    }
    drag = {
      mode: rect ? (handle ? handle.dataset.handle : "move") : "draw",
      form,
      origin: rect ? readBox(form) : null,
      start: pointerPercent(event),
      moved: false,
      pointerId: event.pointerId,
    };
    selected = [form.dataset.prefix];
    // A hotspot drawn while the last save's panel settles stays selected, to be linked next.
    selectNewest = false;
    canvas.setPointerCapture(event.pointerId);
    event.preventDefault();
    draw();
  });

  canvas.addEventListener("pointermove", (event) => {
    if (!drag || event.pointerId !== drag.pointerId) return;
    drag.moved = true;
    if (drag.mode === "link") {
      filmstrip.querySelectorAll(".is-drop").forEach((item) => item.classList.remove("is-drop"));
      const element = document.elementFromPoint(event.clientX, event.clientY);
      const button = element && element.closest("[data-target-screen], [data-target-action]");
      if (button) button.classList.add("is-drop");
      return;
    }
    const box = boxDuringDrag(pointerPercent(event));
    if (drag.mode === "draw" && (box.width < MIN_SIZE || box.height < MIN_SIZE)) return;
    writeBox(drag.form, box);
    draw();
  });

  function endDrag(event, cancelled) {
    if (!drag || (event.pointerId !== undefined && event.pointerId !== drag.pointerId)) return;
    const { mode, form, origin, moved } = drag;
    drag = null;
    if (canvas.hasPointerCapture(event.pointerId)) canvas.releasePointerCapture(event.pointerId);
    filmstrip.querySelectorAll(".is-drop").forEach((item) => item.classList.remove("is-drop"));
    if (cancelled) {
      if (origin) writeBox(form, origin);
      else if (mode === "draw") {
        clearBox(form);
        pendingBox = null;
      }
      if (mode === "draw") selected = [];
      draw();
      return;
    }
    if (mode === "link") {
      const target = moved ? dropTarget(event) : null;
      if (target) link(target);
      return;
    }
    const box = readBox(form);
    if (mode === "draw") {
      if (!moved || !box || box.width < MIN_SIZE || box.height < MIN_SIZE) {
        if (!box) selected = [];
        draw();
        return;
      }
      pendingBox = box;
      draw();
      return;
    }
    if (!moved) {
      form.scrollIntoView({ block: "nearest", behavior: "smooth" });
      return;
    }
    if ("new" in form.dataset) draw();
    else submit(form);
  }

  canvas.addEventListener("pointerup", (event) => endDrag(event, false));
  canvas.addEventListener("pointercancel", (event) => endDrag(event, true));

  filmstrip.addEventListener("click", (event) => {
    const button = event.target.closest("[data-target-screen], [data-target-action]");
    if (button) link(button.dataset.targetScreen || button.dataset.targetAction);
  });

  function nudge(form, key, resize) {
    const box = readBox(form);
    if (!box) return;
    const dx = { ArrowLeft: -NUDGE, ArrowRight: NUDGE }[key] || 0;
    const dy = { ArrowUp: -NUDGE, ArrowDown: NUDGE }[key] || 0;
    if (resize) {
      box.width = clamp(box.width + dx, MIN_SIZE, 100 - box.x);
      box.height = clamp(box.height + dy, MIN_SIZE, 100 - box.y);
    } else {
      box.x = clamp(box.x + dx, 0, 100 - box.width);
      box.y = clamp(box.y + dy, 0, 100 - box.height);
    }
    writeBox(form, box);
    draw();
    if ("new" in form.dataset) return;
    clearTimeout(nudgeTimer);
    nudgeTimer = setTimeout(() => submit(form), NUDGE_SAVE_DELAY);
  }

  function openShare() {
    const box = panel().querySelector("[data-share-box]");
    const pks = selected.map((prefix) => formFor(prefix)).filter(Boolean).map((f) => f.dataset.pk);
    const labels = [];
    box.querySelectorAll('input[name="hotspots"]').forEach((input) => {
      input.checked = pks.includes(input.value);
      if (input.checked) labels.push(input.closest("label").textContent.trim());
    });
    const name = box.querySelector('input[name="name"]');
    if (labels.length && !name.dataset.typed) name.value = labels.join(" · ").slice(0, 120);
    box.open = true;
    box.scrollIntoView({ block: "nearest" });
    box.querySelector("summary").focus();
  }

  function typing(target) {
    return target.closest("input, select, textarea, [contenteditable]") !== null;
  }

  // Keys that act on the selection or the page; documented under "Keyboard shortcuts".
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      if (drag) endDrag({ pointerId: drag.pointerId }, true);
      else if (selected.length) {
        if (selected.includes("new")) clearBox(newForm());
        pendingBox = null;
        select([]);
      }
      return;
    }
    const command = event.ctrlKey || event.metaKey;
    if (command && event.key.toLowerCase() === "z" && !typing(event.target)) {
      const button = panel().querySelector(event.shiftKey ? "[data-redo]" : "[data-undo]");
      if (button && !button.disabled) button.click();
      event.preventDefault();
      return;
    }
    if (command && event.key.toLowerCase() === "y" && !typing(event.target)) {
      const button = panel().querySelector("[data-redo]");
      if (button && !button.disabled) button.click();
      event.preventDefault();
      return;
    }
    if (command && event.key.toLowerCase() === "a" && !typing(event.target)) {
      select(savedForms().map((form) => form.dataset.prefix));
      event.preventDefault();
      return;
    }
    if (command || event.altKey || typing(event.target)) return;
    const form = primary();
    const targets = Array.from(filmstrip.querySelectorAll("[data-target-screen]"));
    if (/^[1-9]$/.test(event.key) && form && targets[Number(event.key) - 1]) {
      link(targets[Number(event.key) - 1].dataset.targetScreen);
    } else if ((event.key === "b" || event.key === "e") && form) {
      link(event.key === "b" ? "back" : "end");
    } else if (event.key.startsWith("Arrow") && form) {
      nudge(form, event.key, event.shiftKey);
    } else if ((event.key === "Delete" || event.key === "Backspace") && form) {
      const button = form.querySelector("[data-delete]");
      if (button) button.click();
    } else if (event.key === "n" || event.key === "p") {
      const forms = savedForms();
      if (!forms.length) return;
      const index = forms.indexOf(form);
      const step = event.key === "n" ? 1 : -1;
      const next = forms[(index + step + forms.length) % forms.length];
      select([next.dataset.prefix]);
      next.scrollIntoView({ block: "nearest" });
    } else if (event.key === "s") {
      openShare();
    } else if (event.key === "[" || event.key === "]") {
      const link = document.querySelector(
        event.key === "[" ? "[data-shortcut-previous]" : "[data-shortcut-next]"
      );
      if (link) link.click();
    } else {
      return;
    }
    event.preventDefault();
  });

  document.addEventListener("click", (event) => {
    const tickAll = event.target.closest("[data-tick-all]");
    if (!tickAll) return;
    tickAll
      .closest("fieldset")
      .querySelectorAll('input[type="checkbox"]')
      .forEach((input) => {
        input.checked = true;
      });
  });
  document.addEventListener("input", (event) => {
    if (event.target.name === "name") event.target.dataset.typed = "yes";
    if (event.target.closest("[data-hotspot-form]")) draw();
  });
  document.addEventListener("change", (event) => {
    if (event.target.closest("[data-hotspot-form]")) showTargetFields();
  });
  document.addEventListener("focusin", (event) => {
    const form = event.target.closest("[data-hotspot-form]");
    if (form && !selected.includes(form.dataset.prefix)) select([form.dataset.prefix]);
  });

  // A save re-renders the whole panel: select the hotspot just added.
  document.body.addEventListener("htmx:afterSettle", () => {
    if (!panel()) return;
    const pending = newForm();
    if (pendingBox && pending && !readBox(pending)) writeBox(pending, pendingBox);
    panel().querySelectorAll("[data-tick-all]").forEach((button) => {
      button.hidden = false;
    });
    showTargetFields();
    const forms = savedForms();
    if (selectNewest && forms.length) {
      const newest = forms.reduce((a, b) => (Number(a.dataset.pk) > Number(b.dataset.pk) ? a : b));
      selected = [newest.dataset.prefix];
    }
    selectNewest = false;
    select(selected);
  });

  canvas.closest("[data-editor]").classList.add("is-enhanced");
  panel().querySelectorAll("[data-tick-all]").forEach((button) => {
    button.hidden = false;
  });
  showTargetFields();
  draw();
})();
