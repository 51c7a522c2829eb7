/*
 * Fetch the first task's screens while the participant reads the welcome page and the consent
 * (the page lists them in #player-warmup, in the order they will be needed), so that the first
 * screen shows at once after "Start the task". Thumbnails come first: on a slow connection the
 * small picture of every screen arrives long before the full images, and the player shows it
 * until the full image is there.
 *
 * The decoded images are kept here for the player to take (Protoplatform.Warmup.image), as an
 * HTTP cache may be disabled or may not keep them.
 */
(function () {
  "use strict";

  const list = document.getElementById("player-warmup");
  const images = new Map(); // url -> {element, ready}

  function load(url) {
    let entry = images.get(url);
    if (!entry) {
      const element = new Image();
      element.decoding = "async";
      element.src = url;
      const ready = element.decode
        ? element.decode()
        : new Promise((resolve, reject) => {
            element.onload = resolve;
            element.onerror = reject;
          });
      entry = { element: element, ready: ready.then(() => true, () => false) };
      images.set(url, entry);
    }
    return entry;
  }

  /** One at a time, so that each arrives as early as the connection allows. */
  async function warmUp(screens) {
    const order = screens.map((screen) => screen.thumbnail).concat(screens.map((s) => s.image));
    for (const url of order) {
      if (url) await load(url).ready;
    }
  }

  window.Protoplatform = window.Protoplatform || {};
  window.Protoplatform.Warmup = {
    /** The image for this URL, started now if it was not: {element, ready (resolves to true
     * once decoded, false if it failed)}. */
    image: load,
  };

  if (!list) return;
  const screens = JSON.parse(list.textContent);
  // After the page's own files, which the welcome page needs first.
  if (document.readyState === "complete") warmUp(screens);
  else window.addEventListener("load", () => warmUp(screens), { once: true });
})();
