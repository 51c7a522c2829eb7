// Designer pages of studies: copy share links, confirm irreversible actions, show only the
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

document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
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
  container.appendChild(button);
  update();
}

document.addEventListener("DOMContentLoaded", () => {
  showWhen();
  document.addEventListener("change", showWhen);
  document.querySelectorAll("[data-path-steps]").forEach(setUpPathSteps);
});
