/*
 * Flow map: zoom and pan the server-drawn SVG by changing its viewBox (buttons, keys on the
 * focused map, dragging, Ctrl + wheel), and highlight a task's expected path as soon as it is
 * picked. Without JavaScript the map fits its frame and the task form reloads the page.
 */
(function () {
  "use strict";

  const svg = document.querySelector("[data-flow-map]");
  if (!svg) return;
  const full = { x: 0, y: 0, w: Number(svg.dataset.width), h: Number(svg.dataset.height) };
  const ZOOM_STEP = 1.25;
  const PAN_STEP = 0.15;
  const MIN_WIDTH = full.w / 8;
  let view = { ...full };

  function show() {
    svg.setAttribute("viewBox", `${view.x} ${view.y} ${view.w} ${view.h}`);
  }

  function zoom(factor, centre) {
    const w = Math.min(full.w, Math.max(MIN_WIDTH, view.w / factor));
    const h = (w / view.w) * view.h;
    const point = centre || { x: view.x + view.w / 2, y: view.y + view.h / 2 };
    view = {
      x: point.x - ((point.x - view.x) * w) / view.w,
      y: point.y - ((point.y - view.y) * h) / view.h,
      w,
      h,
    };
    show();
  }

  function pan(dx, dy) {
    view.x += dx * view.w;
    view.y += dy * view.h;
    show();
  }

  function fit() {
    view = { ...full };
    show();
  }

  const tools = document.querySelector("[data-flow-zoom]");
  tools.hidden = false;
  tools.addEventListener("click", (event) => {
    const button = event.target.closest("[data-zoom]");
    if (!button) return;
    const action = button.dataset.zoom;
    if (action === "in") zoom(ZOOM_STEP);
    else if (action === "out") zoom(1 / ZOOM_STEP);
    else fit();
  });

  svg.addEventListener("keydown", (event) => {
    const moves = {
      ArrowLeft: [-PAN_STEP, 0],
      ArrowRight: [PAN_STEP, 0],
      ArrowUp: [0, -PAN_STEP],
      ArrowDown: [0, PAN_STEP],
    };
    if (moves[event.key]) pan(...moves[event.key]);
    else if (event.key === "+" || event.key === "=") zoom(ZOOM_STEP);
    else if (event.key === "-") zoom(1 / ZOOM_STEP);
    else if (event.key === "0") fit();
    else return;
    event.preventDefault();
  });

  function svgPoint(event) {
    const box = svg.getBoundingClientRect();
    const scale = Math.max(view.w / box.width, view.h / box.height);
    return {
      x: view.x + (event.clientX - box.left - (box.width - view.w / scale) / 2) * scale,
      y: view.y + (event.clientY - box.top - (box.height - view.h / scale) / 2) * scale,
      scale,
    };
  }

  svg.addEventListener(
    "wheel",
    (event) => {
      if (!event.ctrlKey && !event.metaKey) return;
      event.preventDefault();
      zoom(event.deltaY < 0 ? ZOOM_STEP : 1 / ZOOM_STEP, svgPoint(event));
    },
    { passive: false }
  );

  let drag = null;
  svg.addEventListener("pointerdown", (event) => {
    if (event.button !== 0 || view.w >= full.w) return;
    drag = { x: event.clientX, y: event.clientY, view: { ...view }, moved: false };
  });
  svg.addEventListener("pointermove", (event) => {
    if (!drag) return;
    const { scale } = svgPoint(event);
    const dx = event.clientX - drag.x;
    const dy = event.clientY - drag.y;
    if (!drag.moved && Math.hypot(dx, dy) < 4) return;
    if (!drag.moved) svg.setPointerCapture(event.pointerId);
    drag.moved = true;
    view.x = drag.view.x - dx * scale;
    view.y = drag.view.y - dy * scale;
    show();
  });
  svg.addEventListener("pointerup", () => {
    if (drag && drag.moved) {
      // The drag was a pan: the link under the pointer must not open.
      svg.addEventListener("click", (event) => event.preventDefault(), { once: true, capture: true });
    }
    drag = null;
  });

  const taskForm = document.querySelector("[data-flow-task]");
  if (taskForm) {
    const select = taskForm.querySelector("select");
    taskForm.querySelector("[data-flow-task-submit]").hidden = true;
    select.addEventListener("change", () => {
      const option = select.selectedOptions[0];
      const path = option && option.dataset.path ? option.dataset.path.split(",") : [];
      const steps = new Set(path.slice(1).map((target, index) => `${path[index]}>${target}`));
      svg.querySelectorAll("[data-screen]").forEach((node) => {
        node.classList.toggle("is-on-path", path.includes(node.dataset.screen));
      });
      svg.querySelectorAll("path[data-source]").forEach((link) => {
        link.classList.toggle("is-on-path", steps.has(`${link.dataset.source}>${link.dataset.target}`));
      });
      svg.querySelectorAll("path[data-sources]").forEach((trunk) => {
        const sources = trunk.dataset.sources ? trunk.dataset.sources.split(",") : [];
        trunk.classList.toggle(
          "is-on-path",
          sources.some((source) => steps.has(`${source}>${trunk.dataset.target}`))
        );
      });
      svg.classList.toggle("has-path", path.length > 0);
    });
  }
})();
