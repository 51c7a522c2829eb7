/*
 * Hotspot editor: draw, move and resize hotspots on the screen image.
 *
 * The forms in #hotspot-panel are the truth: every rectangle drawn on the image is read from
 * a form's x/y/width/height fields (percent of the image), and every drag writes those fields.
 * Drawing fills the "New hotspot" form and moves focus to its label; moving or resizing an
 * existing hotspot submits its form when the pointer is let go (htmx swaps the panel, and the
 * rectangles are drawn again from the new forms). Everything stays possible with the forms
 * alone, from the keyboard or without JavaScript.
 */
(function () {
  "use strict";

  const canvas = document.querySelector("[data-editor-canvas]");
  if (!canvas) return;
  const layer = canvas.querySelector("[data-editor-layer]");
  // Drags shorter than this (in percent of the image) are clicks, not new hotspots.
  const MIN_SIZE = 1;
  let drag = null;
  let selected = null;
  let keptNewBox = null;

  const panel = () => document.getElementById("hotspot-panel");
  const allForms = () => Array.from(panel().querySelectorAll("[data-hotspot-form]"));
  const newForm = () => panel().querySelector("[data-hotspot-form][data-new]");
  const formFor = (prefix) => allForms().find((form) => form.dataset.prefix === prefix);
  const field = (form, name) => form.elements[`${form.dataset.prefix}-${name}`];
  const clamp = (value, low, high) => Math.min(high, Math.max(low, value));

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

  function draw() {
    layer.replaceChildren();
    allForms().forEach((form) => {
      const box = readBox(form);
      if (!box) return;
      const rect = document.createElement("div");
      rect.className = "hotspot-rect";
      rect.dataset.prefix = form.dataset.prefix;
      rect.classList.toggle("is-new", "new" in form.dataset);
      rect.classList.toggle("is-selected", form.dataset.prefix === selected);
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
      place(rect, box);
      layer.append(rect);
    });
    allForms().forEach((form) => {
      form.classList.toggle("is-selected", form.dataset.prefix === selected);
    });
  }

  function showTargetFields() {
    allForms().forEach((form) => {
      const wrapper = form.querySelector("[data-target-field]");
      if (wrapper) wrapper.hidden = field(form, "action").value !== "goto";
    });
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

  canvas.addEventListener("pointerdown", (event) => {
    if (event.button !== 0 || drag) return;
    const rect = event.target.closest(".hotspot-rect");
    const handle = event.target.closest(".hotspot-handle");
    const form = rect ? formFor(rect.dataset.prefix) : newForm();
    drag = {
      mode: rect ? (handle ? handle.dataset.handle : "move") : "draw",
      form,
      origin: rect ? readBox(form) : null,
      start: pointerPercent(event),
      moved: false,
      pointerId: event.pointerId,
    };
    selected = form.dataset.prefix;
    canvas.setPointerCapture(event.pointerId);
    event.preventDefault();
    draw();
  });

  canvas.addEventListener("pointermove", (event) => {
    if (!drag || event.pointerId !== drag.pointerId) return;
    const box = boxDuringDrag(pointerPercent(event));
    drag.moved = true;
    if (drag.mode === "draw" && (box.width < MIN_SIZE || box.height < MIN_SIZE)) return;
    writeBox(drag.form, box);
    draw();
  });

  function endDrag(event, cancelled) {
    if (!drag || (event.pointerId !== undefined && event.pointerId !== drag.pointerId)) return;
    const { mode, form, origin, moved } = drag;
    drag = null;
    if (canvas.hasPointerCapture(event.pointerId)) canvas.releasePointerCapture(event.pointerId);
    if (cancelled) {
      if (origin) writeBox(form, origin);
      else if (mode === "draw") clearBox(form);
      draw();
      return;
    }
    const box = readBox(form);
    if (mode === "draw") {
      if (!moved || !box || box.width < MIN_SIZE || box.height < MIN_SIZE) {
        draw();
        return;
      }
      field(form, "label").focus({ preventScroll: true });
      form.scrollIntoView({ block: "nearest", behavior: "smooth" });
      draw();
      return;
    }
    if (!moved) {
      form.scrollIntoView({ block: "nearest", behavior: "smooth" });
      return;
    }
    if ("new" in form.dataset) draw();
    else form.requestSubmit();
  }

  canvas.addEventListener("pointerup", (event) => endDrag(event, false));
  canvas.addEventListener("pointercancel", (event) => endDrag(event, true));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && drag) endDrag({ pointerId: drag.pointerId }, true);
  });

  document.addEventListener("input", (event) => {
    if (event.target.closest("[data-hotspot-form]")) draw();
  });
  document.addEventListener("change", (event) => {
    if (event.target.closest("[data-hotspot-form]")) showTargetFields();
  });
  document.addEventListener("focusin", (event) => {
    const form = event.target.closest("[data-hotspot-form]");
    if (form && form.dataset.prefix !== selected) {
      selected = form.dataset.prefix;
      draw();
    }
  });

  // A save of one hotspot re-renders the whole panel: keep a rectangle drawn for a new
  // hotspot that has not been added yet.
  document.body.addEventListener("htmx:beforeRequest", (event) => {
    const pending = newForm();
    keptNewBox = pending && event.detail.elt !== pending ? readBox(pending) : null;
  });
  document.body.addEventListener("htmx:afterSettle", () => {
    if (!panel()) return;
    const pending = newForm();
    if (keptNewBox && pending && !readBox(pending)) writeBox(pending, keptNewBox);
    keptNewBox = null;
    showTargetFields();
    draw();
  });

  showTargetFields();
  draw();
})();
