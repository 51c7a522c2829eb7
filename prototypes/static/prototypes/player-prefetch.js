/*
 * The order in which the player fetches the screens a participant may need next: the screens
 * one click away from the one on show before any other, and among them the likeliest first,
 * those on the shortest way to the task's goal (where most participants head), then in the
 * order of their hotspots. player.js asks for every thumbnail of them before any full image,
 * so that on a slow connection each next screen can show at once, and downloads the rest only
 * once they are all here.
 */
(function () {
  "use strict";

  /** Clicks from each screen to the nearest goal, following the hotspots backwards:
   * Map of screen id to clicks (screens that lead to no goal are left out). */
  function clicksToGoal(screens, goals) {
    const leadingTo = new Map(); // screen id -> ids of the screens with a hotspot to it
    screens.forEach((screen) => {
      screen.hotspots.forEach((hotspot) => {
        if (!hotspot.target) return;
        if (!leadingTo.has(hotspot.target)) leadingTo.set(hotspot.target, []);
        leadingTo.get(hotspot.target).push(screen.id);
      });
    });
    const clicks = new Map(goals.filter((id) => screens.has(id)).map((id) => [id, 0]));
    const queue = Array.from(clicks.keys());
    for (let index = 0; index < queue.length; index += 1) {
      const id = queue[index];
      (leadingTo.get(id) || []).forEach((from) => {
        if (clicks.has(from)) return;
        clicks.set(from, clicks.get(id) + 1);
        queue.push(from);
      });
    }
    return clicks;
  }

  /** The screens one click away from `screen`, likeliest first. `screens`: Map of id to
   * screen; `goals`: the ids of the task's goal screens. */
  function likelyNext(screen, screens, goals) {
    const clicks = clicksToGoal(screens, goals || []);
    const far = (target) => (clicks.has(target.id) ? clicks.get(target.id) : Infinity);
    const next = [];
    screen.hotspots.forEach((hotspot) => {
      const target = hotspot.target && screens.get(hotspot.target);
      if (target && target !== screen && !next.includes(target)) next.push(target);
    });
    // Array.prototype.sort is stable: equally near targets keep their hotspots' order.
    return next.sort((a, b) => {
      const difference = far(a) - far(b);
      return Number.isNaN(difference) ? 0 : difference;
    });
  }

  window.Protoplatform = window.Protoplatform || {};
  window.Protoplatform.FetchOrder = { likelyNext: likelyNext, clicksToGoal: clicksToGoal };
})();
