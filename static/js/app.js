// Close the workspace dropdown when clicking elsewhere; everything else is htmx.
document.addEventListener("click", (event) => {
  document.querySelectorAll("details.dropdown[open]").forEach((details) => {
    if (!details.contains(event.target)) details.removeAttribute("open");
  });
});

// A region that scrolls sideways (a wide table on a phone) must be reachable from the keyboard
// to be scrolled with the arrow keys; only those that overflow become tab stops.
const SCROLLING_REGIONS = ".table-wrap, .scroll-x, .answers, .flow-scroll";

function makeScrollingRegionsFocusable(root) {
  root.querySelectorAll(SCROLLING_REGIONS).forEach((region) => {
    const overflows =
      region.scrollWidth > region.clientWidth || region.scrollHeight > region.clientHeight;
    if (overflows && !region.hasAttribute("tabindex")) {
      region.setAttribute("tabindex", "0");
      region.dataset.scrollFocus = "";
    } else if (!overflows && region.hasAttribute("data-scroll-focus")) {
      region.removeAttribute("tabindex");
      delete region.dataset.scrollFocus;
    }
  });
}

document.addEventListener("DOMContentLoaded", () => makeScrollingRegionsFocusable(document));
document.addEventListener("htmx:afterSettle", (event) => makeScrollingRegionsFocusable(event.target));
let resizeTimer;
window.addEventListener("resize", () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => makeScrollingRegionsFocusable(document), 150);
});

// Irreversible actions (closing a study, revoking a link) ask first; without this script the
// server still offers an undo where one is possible.
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
});
