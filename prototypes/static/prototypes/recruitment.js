// Participant panel: tick every contact on the page at once, and say whom "Invite…" will take.
// The page works without this script: with nothing ticked, every matching contact is invited.

function updateSelection(form) {
  const boxes = Array.from(form.querySelectorAll('input[name="contact"]'));
  const ticked = boxes.filter((box) => box.checked).length;
  const count = form.querySelector("[data-selected-count]");
  const hint = form.querySelector("[data-selected-hint]");
  if (!count || !hint) return;
  if (ticked) {
    count.textContent = `${ticked} ticked:`;
    hint.textContent = "invite them";
  } else {
    count.textContent = "No contact ticked:";
    hint.textContent = hint.dataset.all;
  }
  const all = form.querySelector("[data-select-all]");
  if (all) {
    all.checked = ticked === boxes.length && ticked > 0;
    all.indeterminate = ticked > 0 && ticked < boxes.length;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("invite-form");
  if (!form) return;
  const hint = form.querySelector("[data-selected-hint]");
  if (hint) hint.dataset.all = hint.textContent;
  form.addEventListener("change", (event) => {
    if (event.target.matches("[data-select-all]")) {
      form.querySelectorAll('input[name="contact"]').forEach((box) => {
        box.checked = event.target.checked;
      });
    }
    updateSelection(form);
  });
});
