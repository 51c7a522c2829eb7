/*
 * Tasks other than click-through in the participant player: first-click, five-second and
 * preference tests. player.js hands a task of these kinds to TaskKinds.run with a stage to draw
 * in and a way to record events; the task calls done() once the participant has answered, and
 * player.js ends the task and moves on. All the words come from the page, translated.
 *
 *   first_click  the screen with a grid of regions over it: one click (or one region chosen
 *                from the keyboard) is recorded as a click without a hotspot, where it landed.
 *   five_second  the screen for exposure_seconds, with a countdown, then hidden.
 *   preference   the options side by side (stacked on a phone) in an order shuffled for each
 *                participant; the choice and the optional reason are answers to the task's
 *                own questions.
 */
(function () {
  "use strict";

  const ROWS = 4;
  const COLUMNS = 3;

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, (match, key) => String(values[key]));
  }

  function fraction(value) {
    return Math.round(Math.min(1, Math.max(0, value)) * 10000) / 10000;
  }

  function picture(screen, alt) {
    const image = element("img", "kind-image");
    image.alt = alt || "";
    if (screen.width && screen.height) {
      image.width = screen.width;
      image.height = screen.height;
    }
    image.src = screen.image_url;
    return image;
  }

  /** Keep the whole screen in view below what is above it, so the one click needs no
   * scrolling (the heading's height depends on the text and the phone). */
  function fitToViewport(image) {
    const fit = () => {
      if (!image.isConnected) {
        window.removeEventListener("resize", fit);
        return;
      }
      const top = image.getBoundingClientRect().top + window.scrollY;
      image.style.maxHeight = `${Math.max(240, window.innerHeight - top - 16)}px`;
    };
    window.addEventListener("resize", fit);
    window.requestAnimationFrame(fit);
  }

  function heading(text) {
    const title = element("h1", "kind-title", text);
    title.tabIndex = -1;
    return title;
  }

  // First click -------------------------------------------------------------------------------

  function firstClick(stage, task, options) {
    const strings = options.strings;
    const title = heading(task.instruction);
    const hint = element("p", "muted", strings.first_click_hint);
    const frame = element("div", "kind-frame");
    const screen = element("div", "kind-screen");
    const image = picture(task.screen, task.screen.name);
    screen.append(image);
    const grid = element("div", "kind-regions");
    grid.setAttribute("role", "group");
    grid.setAttribute("aria-label", strings.first_click_regions);
    let answered = false;
    for (let row = 0; row < ROWS; row += 1) {
      for (let column = 0; column < COLUMNS; column += 1) {
        const region = element("button", "kind-region");
        region.type = "button";
        region.setAttribute(
          "aria-label",
          format(strings.region, { row: strings.rows[row], column: strings.columns[column] })
        );
        region.addEventListener("click", (event) => {
          if (answered) return;
          answered = true;
          const box = screen.getBoundingClientRect();
          // From the keyboard a region has no pointer position: its centre stands in.
          const point =
            event.detail === 0
              ? { x: (column + 0.5) / COLUMNS, y: (row + 0.5) / ROWS }
              : {
                  x: (event.clientX - box.left) / box.width,
                  y: (event.clientY - box.top) / box.height,
                };
          options.record("misclick", {
            task: task.id,
            screen: task.screen.id,
            x: fraction(point.x),
            y: fraction(point.y),
          });
          options.done();
        });
        grid.append(region);
      }
    }
    screen.append(grid);
    frame.append(screen);
    stage.replaceChildren(title, hint, frame);
    fitToViewport(image);
    title.focus({ preventScroll: true });
  }

  // Five seconds ------------------------------------------------------------------------------

  function fiveSecond(stage, task, options) {
    const strings = options.strings;
    const exposure = task.exposure_seconds * 1000;
    const left = Math.max(0, exposure - (options.elapsedMs || 0));
    if (left === 0) {
      options.done();
      return;
    }
    const title = heading(strings.five_second_title);
    const countdown = element("p", "kind-countdown");
    countdown.setAttribute("aria-live", "off");
    const bar = element("progress", "kind-progress");
    bar.max = exposure;
    const frame = element("div", "kind-frame");
    const screen = element("div", "kind-screen");
    const image = picture(task.screen, task.screen.name);
    screen.append(image);
    frame.append(screen);
    stage.replaceChildren(title, countdown, bar, frame);
    fitToViewport(image);
    title.focus({ preventScroll: true });
    const ends = Date.now() + left;
    const tick = () => {
      const remaining = ends - Date.now();
      if (remaining <= 0) {
        window.clearInterval(timer);
        stage.replaceChildren();
        options.done();
        return;
      }
      bar.value = exposure - remaining;
      countdown.textContent = format(strings.seconds_left, { seconds: Math.ceil(remaining / 1000) });
    };
    const timer = window.setInterval(tick, 100);
    tick();
  }

  // Preference --------------------------------------------------------------------------------

  function preference(stage, task, options) {
    const strings = options.strings;
    const form = element("form", "kind-preference");
    form.noValidate = true;
    const title = heading(task.instruction);
    title.id = `kind-title-${task.id}`;
    const group = element("div", "kind-options");
    group.setAttribute("role", "radiogroup");
    group.setAttribute("aria-labelledby", title.id);
    options.order(task.options.length).forEach((index) => {
      const option = task.options[index];
      const figure = element("label", "kind-option");
      const image = picture(option, option.label);
      const choice = element("span", "kind-choice");
      const input = element("input");
      input.type = "radio";
      input.name = "preference";
      input.value = option.label;
      choice.append(input, " ", element("span", "", option.label));
      figure.append(image, choice);
      group.append(figure);
    });
    const why = element("label", "kind-why");
    const reason = element("textarea");
    reason.name = "reason";
    reason.rows = 3;
    reason.maxLength = 5000;
    why.append(strings.why, reason);
    const error = element("p", "player-error", strings.choose_one);
    error.setAttribute("role", "alert");
    error.hidden = true;
    const submit = element("button", "", strings.continue);
    submit.type = "submit";
    form.append(title, group, why, error, submit);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const chosen = form.querySelector('input[name="preference"]:checked');
      error.hidden = Boolean(chosen);
      if (!chosen) {
        form.querySelector('input[name="preference"]').focus();
        return;
      }
      options.record("answer", {
        data: { question: task.preference_question, value: chosen.value },
      });
      const text = reason.value.trim();
      if (text && task.reason_question) {
        options.record("answer", { data: { question: task.reason_question, value: text } });
      }
      options.done();
    });
    stage.replaceChildren(form);
    title.focus({ preventScroll: true });
  }

  const KINDS = { first_click: firstClick, five_second: fiveSecond, preference: preference };

  window.Protoplatform = window.Protoplatform || {};
  window.Protoplatform.TaskKinds = {
    /** Whether `task` is one of the kinds this file plays. */
    handles(task) {
      return Object.prototype.hasOwnProperty.call(KINDS, task.kind);
    },
    /**
     * Play `task` in `stage`. options: strings, record(type, fields), done() (called once),
     * order(count) (the order to show a preference test's options in), elapsedMs (time
     * already spent on a five-second test before a reload).
     */
    run(stage, task, options) {
      KINDS[task.kind](stage, task, options);
    },
    /** Play tasks of `kind` with `play(stage, task, options)` (player-navigation.js). */
    register(kind, play) {
      KINDS[kind] = play;
    },
  };
})();
