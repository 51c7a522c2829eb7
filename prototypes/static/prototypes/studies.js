// Designer pages of studies: copy share links, show only the
// form fields that apply, and reveal expected-path steps one at a time. Every page works
// without this script; it only makes them tidier.

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const input = document.getElementById(button.dataset.copy);
  const label = button.textContent;
  const copied = () => {
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = label; }, 2000);
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(input.value).then(copied, () => input.select());
  } else {
    // Without the clipboard API (plain http), select the link so the designer can copy it.
    input.select();
  }
});

// <div data-show-when="id_metric:seq,sus"> is shown only while #id_metric has one of those values.
function showWhen() {
  document.querySelectorAll("[data-show-when]").forEach((element) => {
    const [controlId, values] = element.dataset.showWhen.split(":");
    const control = document.getElementById(controlId);
    if (!control) return;
    element.hidden = !values.split(",").includes(control.value);
  });
}

function setUpPathSteps(container) {
  const steps = Array.from(container.querySelectorAll(".path-step"));
  const filled = steps.map((step) => step.querySelector("select").value !== "");
  const lastFilled = filled.lastIndexOf(true);
  const hasErrors = container.querySelector(".errorlist") !== null;
  if (hasErrors) return;
  steps.forEach((step, index) => { step.hidden = index > Math.max(lastFilled + 1, 1); });
  const button = document.createElement("button");
  button.type = "button";
  button.className = "outline secondary add-step";
  button.textContent = "Add a step";
  const update = () => { button.hidden = !steps.some((step) => step.hidden); };
  button.addEventListener("click", () => {
    const next = steps.find((step) => step.hidden);
    if (next) {
      next.hidden = false;
      next.querySelector("select").focus();
    }
    update();
  });
  // Choosing a screen for the last step shown offers the next one, as the button would.
  steps.forEach((step, index) => {
    step.querySelector("select").addEventListener("change", (event) => {
      const next = steps[index + 1];
      if (event.target.value && next && next.hidden) {
        next.hidden = false;
        update();
      }
    });
  });
  container.appendChild(button);
  update();
}

// The first-click target: drag a rectangle across the start screen, or type it in percent.
// The four number fields stay the source of truth; the picture only fills them in.
function setUpTargetPicker(picker) {
  const images = JSON.parse(document.getElementById("task-screen-images").textContent);
  const start = document.getElementById("id_start_screen");
  const canvas = picker.querySelector("[data-target-canvas]");
  const image = picker.querySelector("[data-target-image]");
  const box = picker.querySelector("[data-target-box]");
  const fields = ["left", "top", "width", "height"].map((name) =>
    document.getElementById(`id_target_${name}`)
  );
  const clamp = (value) => Math.min(100, Math.max(0, value));
  const round = (value) => Math.round(value * 10) / 10;

  function drawBox() {
    const [left, top, width, height] = fields.map((field) => parseFloat(field.value));
    const complete = [left, top, width, height].every((value) => Number.isFinite(value));
    box.hidden = !complete;
    if (!complete) return;
    box.style.left = `${left}%`;
    box.style.top = `${top}%`;
    box.style.width = `${width}%`;
    box.style.height = `${height}%`;
  }

  function showScreen() {
    const url = images[start.value];
    canvas.hidden = !url;
    if (url && image.getAttribute("src") !== url) image.src = url;
    drawBox();
  }

  function point(event) {
    const rect = image.getBoundingClientRect();
    return {
      x: clamp(((event.clientX - rect.left) / rect.width) * 100),
      y: clamp(((event.clientY - rect.top) / rect.height) * 100),
    };
  }

  let origin = null;
  canvas.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    origin = point(event);
    canvas.setPointerCapture(event.pointerId);
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!origin) return;
    const here = point(event);
    const values = [
      Math.min(origin.x, here.x),
      Math.min(origin.y, here.y),
      Math.abs(here.x - origin.x),
      Math.abs(here.y - origin.y),
    ];
    fields.forEach((field, index) => {
      field.value = String(round(values[index]));
    });
    drawBox();
  });
  canvas.addEventListener("pointerup", () => {
    origin = null;
  });
  fields.forEach((field) => field.addEventListener("input", drawBox));
  start.addEventListener("change", showScreen);
  showScreen();
}

document.addEventListener("DOMContentLoaded", () => {
  showWhen();
  document.addEventListener("change", showWhen);
  document.querySelectorAll("[data-path-steps]").forEach(setUpPathSteps);
  document.querySelectorAll("[data-target-picker]").forEach(setUpTargetPicker);
});
