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

  // The results page's section bar marks the section being read.
  const sectionNav = document.querySelector("[data-section-nav]");
  if (sectionNav && "IntersectionObserver" in window) {
    const links = new Map();
    sectionNav.querySelectorAll('a[href^="#"]').forEach((link) => {
      const section = document.getElementById(link.hash.slice(1));
      if (section) links.set(section, link);
    });
    const visible = new Set();
    const mark = () => {
      const first = [...links.keys()].find((section) => visible.has(section));
      links.forEach((link, section) => {
        if (section === first) link.setAttribute("aria-current", "true");
        else link.removeAttribute("aria-current");
      });
      if (first) links.get(first).scrollIntoView({ block: "nearest", inline: "nearest" });
    };
    const observer = new IntersectionObserver((entries) => {
      entries.forEach((entry) => {
        if (entry.isIntersecting) visible.add(entry.target);
        else visible.delete(entry.target);
      });
      mark();
    }, { rootMargin: "-60px 0px -40% 0px" });
    links.forEach((link, section) => observer.observe(section));
  }

  // The shared summary has a print button; printing uses reports-print.css.
  document.querySelectorAll("[data-print]").forEach((button) => {
    button.addEventListener("click", () => window.print());
  });
})();
