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

  // The results page's section bar marks the section being read: the one just jumped to until
  // the reader scrolls on, else the last one whose top has passed under the bar.
  const sectionNav = document.querySelector("[data-section-nav]");
  if (sectionNav) {
    const links = [...sectionNav.querySelectorAll('a[href^="#"]')]
      .map((link) => [document.getElementById(link.hash.slice(1)), link])
      .filter(([section]) => section);
    let pending = false;
    let jumped = null; // [link, scroll position once the jump has landed]
    sectionNav.addEventListener("click", (event) => {
      const link = event.target.closest('a[href^="#"]');
      if (link) jumped = [link, null];
    });
    const mark = () => {
      pending = false;
      const line = sectionNav.getBoundingClientRect().bottom + 24;
      let current = null;
      links.forEach(([section, link]) => {
        if (section.getBoundingClientRect().top <= line) current = link;
      });
      if (jumped) {
        if (jumped[1] === null) jumped[1] = window.scrollY;
        if (Math.abs(window.scrollY - jumped[1]) > 48) jumped = null;
        else current = jumped[0];
      }
      links.forEach(([, link]) => {
        if (link === current) link.setAttribute("aria-current", "true");
        else link.removeAttribute("aria-current");
      });
      if (current) current.scrollIntoView({ block: "nearest", inline: "nearest" });
    };
    const schedule = () => {
      if (!pending) {
        pending = true;
        window.requestAnimationFrame(mark);
      }
    };
    window.addEventListener("scroll", schedule, { passive: true });
    window.addEventListener("hashchange", () => {
      if (jumped) jumped[1] = null;
      schedule();
    });
    window.addEventListener("resize", schedule);
    mark();
  }

  // The shared summary has a print button; printing uses reports-print.css.
  document.querySelectorAll("[data-print]").forEach((button) => {
    button.addEventListener("click", () => window.print());
  });
})();
