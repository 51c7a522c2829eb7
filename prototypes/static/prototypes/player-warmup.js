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

  /** Whether the image loaded, once it has loaded or failed. */
  function loaded(element) {
    if (element.complete) return Promise.resolve(element.naturalWidth > 0);
    return new Promise((resolve) => {
      element.addEventListener("load", () => resolve(true), { once: true });
      element.addEventListener("error", () => resolve(false), { once: true });
    });
  }

  function load(url) {
    let entry = images.get(url);
    if (!entry) {
      const element = new Image();
      element.decoding = "async";
      element.src = url;
      // Chromium may refuse to decode ahead (an EncodingError while the page is busy) an image
      // that loads well: it is then ready once loaded, and decoded as it is painted.
      const ready = element.decode
        ? element.decode().then(
            () => true,
            () => loaded(element),
          )
        : loaded(element);
      entry = { element: element, ready: ready };
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
