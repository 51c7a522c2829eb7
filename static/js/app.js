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

// An htmx request that fails (an error answer, or none at all) says so in the messages region,
// instead of a button that seems to do nothing or a panel that silently stops updating. Plain
// DOM and textContent only: the CSP allows no eval and no inline script.
const HTMX_ERRORS = {
  403: "You no longer have access to this. Reload the page, or log in again.",
  404: "This is no longer here: it may have been deleted. Reload the page.",
  413: "That is too large to send.",
  429: "Too many requests. Wait a moment, then try again.",
};

function showHtmxError(text) {
  const region = document.getElementById("messages");
  if (!region) return;
  // One error at a time: a poll that keeps failing must not pile up the same message.
  let flash = region.querySelector("[data-htmx-error]");
  if (!flash) {
    flash = document.createElement("p");
    flash.className = "flash flash-error";
    flash.dataset.htmxError = "";
    region.append(flash);
  }
  flash.textContent = text;
}

document.addEventListener("htmx:responseError", (event) => {
  const status = event.detail.xhr.status;
  showHtmxError(
    HTMX_ERRORS[status] ||
      `Something went wrong on our side (error ${status}). Try again, or reload the page.`,
  );
});
document.addEventListener("htmx:sendError", () => {
  showHtmxError("The server could not be reached. Check your connection, then try again.");
});
document.addEventListener("htmx:afterRequest", (event) => {
  if (event.detail.successful) document.querySelector("#messages [data-htmx-error]")?.remove();
});

// Irreversible actions (closing a study, revoking a link) ask first; without this script the
// server still offers an undo where one is possible.
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
});
