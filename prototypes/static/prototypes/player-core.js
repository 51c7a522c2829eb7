/*
 * Click-through player for paper prototypes; markup in
 * prototypes/templates/authoring/includes/player.html. It records nothing itself: a page that
 * records (the participant player) listens to the events below.
 *
 * Each [data-player] element gets an `element.player` object:
 *   player.show(screenId, via)  show a screen; `via` is reported in player:show
 *   player.back()               show the previous screen, if there is one
 *   player.restart()            show the start screen again, with an empty history
 *   player.current              id (string) of the screen shown; null on the end panel
 *   player.history              ids of the screens shown before, oldest first
 *
 * Events, dispatched on the [data-player] element and bubbling:
 *   player:show     {screenId, screenKey, from, via}
 *                   a screen is shown; via is "start", "hotspot", "back" or "restart"
 *   player:hotspot  {hotspotId, screenId, action, targetId, label, x, y}
 *                   a hotspot was activated (x, y: fractions of the image for a pointer,
 *                   null from the keyboard). Cancelable: preventDefault() stops its action.
 *   player:miss     {screenId, x, y}  a tap on the image beside every hotspot
 *   player:end      {screenId}  an "end the flow" hotspot. Cancelable: preventDefault()
 *                   keeps the built-in end panel hidden, for a page that shows its own.
 *
 * Controls: [data-player-restart] buttons restart, and a [data-player-show-hotspots]
 * checkbox outlines every hotspot. Inside a player they act on it; elsewhere on the page they
 * act on the page's first player. With data-hint-on-miss, a miss flashes the hotspots.
 */
(function () {
  "use strict";

  const HINT_MS = 700;

  function fraction(value) {
    return `${(parseFloat(value) * 100).toFixed(4)}%`;
  }

  function createPlayer(root) {
    const status = root.querySelector("[data-player-status]");
    const endPanel = root.querySelector("[data-player-end]");
    const screens = new Map();
    root.querySelectorAll("[data-player-screen]").forEach((section) => {
      screens.set(section.dataset.playerScreen, section);
      const canvas = section.querySelector("[data-player-canvas]");
      const width = parseFloat(section.dataset.width) || 1;
      const height = parseFloat(section.dataset.height) || 1;
      canvas.style.setProperty("--image-aspect", String(width / height));
      section.querySelectorAll("[data-player-hotspot]").forEach((button) => {
        button.style.left = fraction(button.dataset.x);
        button.style.top = fraction(button.dataset.y);
        button.style.width = fraction(button.dataset.w);
        button.style.height = fraction(button.dataset.h);
      });
    });
    const aspect = parseFloat(root.dataset.aspect);
    if (aspect > 0) root.style.setProperty("--aspect", String(aspect));

    const player = {
      current: null,
      history: [],
      show(screenId, via) {
        const section = screens.get(String(screenId));
        if (!section) {
          announce("This link does not lead to a screen yet.");
          return false;
        }
        const from = player.current;
        screens.forEach((other) => {
          other.hidden = other !== section;
        });
        if (endPanel) endPanel.hidden = true;
        player.current = String(screenId);
        preloadTargets(section);
        announce(section.getAttribute("aria-label") || "");
        if (via !== "start") section.focus({ preventScroll: true });
        emit("player:show", {
          screenId: player.current,
          screenKey: section.dataset.screenKey,
          from,
          via,
        });
        return true;
      },
      back() {
        if (!player.history.length) {
          announce("There is no previous screen.");
          return;
        }
        player.show(player.history.pop(), "back");
      },
      restart() {
        player.history = [];
        player.show(root.dataset.start, "restart");
      },
    };

    function emit(name, detail, cancelable) {
      const event = new CustomEvent(name, { bubbles: true, cancelable: !!cancelable, detail });
      return root.dispatchEvent(event);
    }

    function announce(text) {
      if (status) status.textContent = text;
    }

    function preloadTargets(section) {
      section.querySelectorAll("[data-player-hotspot][data-target]").forEach((button) => {
        const target = screens.get(button.dataset.target);
        const image = target && target.querySelector("img");
        if (image && !image.complete) new Image().src = image.currentSrc || image.src;
      });
    }

    function pointInImage(event, canvas) {
      // A keyboard "click" has no pointer position.
      if (event.detail === 0) return { x: null, y: null };
      const box = canvas.getBoundingClientRect();
      return {
        x: Math.min(1, Math.max(0, (event.clientX - box.left) / box.width)),
        y: Math.min(1, Math.max(0, (event.clientY - box.top) / box.height)),
      };
    }

    function end() {
      const screenId = player.current;
      if (!emit("player:end", { screenId }, true)) return;
      screens.forEach((section) => {
        section.hidden = true;
      });
      player.current = null;
      if (endPanel) {
        endPanel.hidden = false;
        endPanel.focus({ preventScroll: true });
      }
      announce("End of the flow.");
    }

    function hint() {
      root.classList.add("proto-hinting");
      window.setTimeout(() => root.classList.remove("proto-hinting"), HINT_MS);
    }

    root.addEventListener("click", (event) => {
      const canvas = event.target.closest("[data-player-canvas]");
      if (!canvas || !root.contains(canvas)) return;
      const point = pointInImage(event, canvas);
      const button = event.target.closest("[data-player-hotspot]");
      if (!button) {
        emit("player:miss", { screenId: player.current, x: point.x, y: point.y });
        if ("hintOnMiss" in root.dataset) hint();
        return;
      }
      const detail = {
        hotspotId: button.dataset.playerHotspot,
        screenId: player.current,
        action: button.dataset.action,
        targetId: button.dataset.target || null,
        label: button.textContent.trim(),
        x: point.x,
        y: point.y,
      };
      if (!emit("player:hotspot", detail, true)) return;
      if (detail.action === "back") {
        player.back();
      } else if (detail.action === "end") {
        end();
      } else {
        const from = player.current;
        if (player.show(detail.targetId, "hotspot")) player.history.push(from);
      }
    });

    root.player = player;
    player.show(root.dataset.start, "start");
    return player;
  }

  function init() {
    const players = Array.from(document.querySelectorAll("[data-player]")).map(createPlayer);
    if (!players.length) return;
    const owner = (element) => {
      const root = element.closest("[data-player]");
      return root ? root.player : players[0];
    };
    document.querySelectorAll("[data-player-restart]").forEach((button) => {
      button.addEventListener("click", () => owner(button).restart());
    });
    document.querySelectorAll("[data-player-show-hotspots]").forEach((checkbox) => {
      const apply = () => {
        const root = checkbox.closest("[data-player]") || document.querySelector("[data-player]");
        root.classList.toggle("proto-show-hotspots", checkbox.checked);
      };
      checkbox.addEventListener("change", apply);
      apply();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
