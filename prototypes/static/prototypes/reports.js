// Results and summary pages: small conveniences; every form still works without them.
(() => {
  // The revision filter applies as soon as another revision is picked.
  document.querySelectorAll("form[data-autosubmit] select").forEach((select) => {
    select.addEventListener("change", () => select.form.requestSubmit());
  });

  // "Copy" next to a share link copies the link shown just before it.
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-copy-from]");
    if (!button) return;
    const field = button.previousElementSibling;
    if (!field || !navigator.clipboard) {
      field?.select();
      return;
    }
    navigator.clipboard.writeText(field.value).then(() => {
      const label = button.textContent;
      button.textContent = "Copied";
      setTimeout(() => { button.textContent = label; }, 1500);
    });
  });

  // The shared summary has a print button; printing uses reports-print.css.
  document.querySelectorAll("[data-print]").forEach((button) => {
    button.addEventListener("click", () => window.print());
  });
})();
