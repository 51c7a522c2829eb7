/*
 * Tree tests and card sorts in the participant player. player-kinds.js plays the tasks whose
 * kind is registered with it; this file registers two, and player.js runs them like the other
 * kinds: it records task_start, hands the task a stage, and records task_end when the task
 * calls done(). Where the participant stands is kept with options.remember(), so a reload
 * resumes there; every move is an event (docs/api.md), queued and sent by event-queue.js.
 *
 *   tree_test  the labels of one level of the tree as a list of buttons (the list-of-links
 *              pattern): open a label, go back up, or say "I'd find it here". No search.
 *   card_sort  the cards and the groups. A card is dragged onto a group (mouse, pen or touch,
 *              with pointer events), or picked with a button and sent to a group from the
 *              list of groups that then appears (keyboard, screen reader).
 */
(function () {
  "use strict";

  const kinds = window.Protoplatform && window.Protoplatform.TaskKinds;
  if (!kinds) return;

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function button(text, className, onClick) {
    const node = element("button", className, text);
    node.type = "button";
    node.addEventListener("click", onClick);
    return node;
  }

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, (match, key) => String(values[key]));
  }

  function heading(text) {
    const title = element("h1", "kind-title", text);
    title.tabIndex = -1;
    return title;
  }

  // Tree test -------------------------------------------------------------------------------

  function treeTest(stage, task, options) {
    const strings = options.strings;
    const nodes = new Map();
    const children = new Map([[null, []]]);
    (options.study.tree || []).forEach((node) => {
      nodes.set(node.id, node);
      children.set(node.id, []);
    });
    (options.study.tree || []).forEach((node) => children.get(node.parent).push(node));
    const saved = options.saved || {};
    let here = nodes.has(saved.here) ? saved.here : null;

    const title = heading(task.instruction);
    const hint = element("p", "muted", strings.tree_hint);
    const where = element("nav", "tree-where");
    where.setAttribute("aria-label", strings.tree_where);
    const level = element("section", "tree-level");
    const skip = button(strings.tree_skip, "secondary outline tree-skip", () => {
      options.remember({ here: here });
      options.done({ reason: "gave_up" });
    });
    stage.replaceChildren(title, hint, where, level, skip);

    function trail(node) {
      const chain = [];
      for (let id = node; id !== null; id = nodes.get(id).parent) chain.unshift(nodes.get(id));
      return chain;
    }

    function go(node) {
      here = node;
      options.record("tree_step", { task: task.id, data: { node: node } });
      options.remember({ here: here });
      draw(true);
    }

    function draw(focus) {
      const chain = trail(here);
      const crumbs = element("ol", "tree-trail");
      [strings.tree_home].concat(chain.map((node) => node.label)).forEach((label, index) => {
        const item = element("li", "", label);
        if (index === chain.length) item.setAttribute("aria-current", "location");
        crumbs.append(item);
      });
      where.replaceChildren(crumbs);

      const name = here === null ? strings.tree_home : nodes.get(here).label;
      const levelTitle = element("h2", "tree-level-title", name);
      levelTitle.tabIndex = -1;
      levelTitle.id = `tree-level-${task.id}`;
      level.setAttribute("aria-labelledby", levelTitle.id);
      const parts = [levelTitle];
      if (here !== null) {
        const up = nodes.get(here).parent;
        const upName = up === null ? strings.tree_home : nodes.get(up).label;
        parts.push(
          button(format(strings.tree_back, { label: upName }), "secondary outline tree-back", () =>
            go(up),
          ),
        );
        parts.push(
          button(format(strings.tree_choose, { label: name }), "tree-choose", () => {
            options.remember({ here: here });
            options.done({ node: here });
          }),
        );
      }
      const list = element("ul", "tree-labels");
      children.get(here).forEach((node) => {
        const item = element("li");
        const open = button(node.label, "tree-label", () => go(node.id));
        if (children.get(node.id).length) {
          const more = element("span", "tree-more", "›");
          more.setAttribute("aria-hidden", "true");
          open.append(more);
        }
        item.append(open);
        list.append(item);
      });
      if (list.children.length) {
        list.setAttribute("aria-label", format(strings.tree_under, { label: name }));
        parts.push(list);
      } else {
        parts.push(element("p", "muted", strings.tree_leaf));
      }
      level.replaceChildren(...parts);
      options.announce(name);
      if (focus) levelTitle.focus({ preventScroll: true });
    }

    draw(false);
    title.focus({ preventScroll: true });
  }

  // Card sort -------------------------------------------------------------------------------

  function cardSort(stage, task, options) {
    const strings = options.strings;
    const sort = (options.study.card_sorts || {})[task.id] || { cards: [], categories: [] };
    const open = sort.mode !== "closed";
    const saved = options.saved || {};
    const placed = new Map(Object.entries(saved.placed || {}).map(([id, group]) => [+id, group]));
    const groups = (saved.groups || sort.categories.slice()).slice();
    let picked = null;

    const title = heading(task.instruction);
    const hint = element("p", "muted", open ? strings.sort_hint_open : strings.sort_hint_closed);
    const board = element("div", "sort-board");
    const error = element("p", "sort-error");
    error.setAttribute("role", "alert");
    const finish = button(strings.sort_done, "sort-done", finishSort);
    stage.replaceChildren(title, hint, board, error, finish);

    function remember() {
      options.remember({ placed: Object.fromEntries(placed), groups: groups });
    }

    function place(cardId, group) {
      if ((placed.get(cardId) || "") === group) return;
      if (group) placed.set(cardId, group);
      else placed.delete(cardId);
      options.record("card_place", { task: task.id, data: { card: cardId, group: group } });
      picked = null;
      remember();
      draw();
      const card = sort.cards.find((item) => item.id === cardId);
      options.announce(
        group
          ? format(strings.sort_placed, { card: card.text, group: group })
          : format(strings.sort_unsorted_now, { card: card.text }),
      );
      const again = board.querySelector(`[data-card="${cardId}"]`);
      if (again) again.focus({ preventScroll: true });
    }

    function newGroup(name) {
      const clean = name.replace(/\s+/g, " ").trim();
      if (!clean) return null;
      const same = groups.find((group) => group.toLowerCase() === clean.toLowerCase());
      if (same) return same;
      groups.push(clean);
      remember();
      return clean;
    }

    function cardButton(card) {
      const node = button(card.text, "sort-card", () => {
        picked = picked === card.id ? null : card.id;
        draw();
        const target = board.querySelector(`[data-card="${card.id}"]`);
        if (target) target.focus({ preventScroll: true });
        if (picked !== null) options.announce(format(strings.sort_picked, { card: card.text }));
      });
      node.dataset.card = card.id;
      node.setAttribute("aria-pressed", picked === card.id ? "true" : "false");
      node.addEventListener("pointerdown", (event) => startDrag(event, card, node));
      const item = element("li");
      item.append(node);
      if (picked === card.id) item.append(moveMenu(card));
      return item;
    }

    function moveMenu(card) {
      const menu = element("div", "sort-move");
      menu.setAttribute("role", "group");
      menu.setAttribute("aria-label", format(strings.sort_move_to, { card: card.text }));
      groups.forEach((group) => {
        if (placed.get(card.id) !== group) {
          menu.append(button(group, "secondary outline", () => place(card.id, group)));
        }
      });
      if (open) {
        const form = element("form", "sort-new-group");
        const label = element("label", "", strings.sort_new_group);
        const input = element("input");
        input.type = "text";
        input.maxLength = 120;
        input.required = true;
        label.append(input);
        const add = element("button", "secondary", strings.sort_add_group);
        add.type = "submit";
        form.append(label, add);
        form.addEventListener("submit", (event) => {
          event.preventDefault();
          const group = newGroup(input.value);
          if (group) place(card.id, group);
          else input.focus();
        });
        menu.append(form);
      }
      if (placed.has(card.id)) {
        menu.append(button(strings.sort_back_to_unsorted, "secondary outline", () => place(card.id, "")));
      }
      return menu;
    }

    function zone(name, cards, group) {
      const section = element("section", "sort-group");
      section.dataset.group = group;
      const titleId = `sort-group-${task.id}-${zoneCount++}`;
      const label = element("h2", "sort-group-title", name);
      label.id = titleId;
      section.setAttribute("aria-labelledby", titleId);
      const list = element("ul", "sort-cards");
      cards.forEach((card) => list.append(cardButton(card)));
      section.append(label);
      if (open && group && !sort.categories.includes(group)) {
        const input = element("input", "sort-group-name");
        input.type = "text";
        input.maxLength = 120;
        input.value = group;
        input.setAttribute("aria-label", format(strings.sort_rename, { group: group }));
        input.addEventListener("change", () => rename(group, input.value));
        section.append(input);
      }
      section.append(list);
      if (!cards.length) section.append(element("p", "muted sort-empty", strings.sort_drop_here));
      return section;
    }

    let zoneCount = 0;

    function draw() {
      zoneCount = 0;
      const unsorted = sort.cards.filter((card) => !placed.has(card.id));
      const parts = [zone(strings.sort_cards, unsorted, "")];
      const columns = element("div", "sort-groups");
      groups.forEach((group) => {
        columns.append(zone(group, sort.cards.filter((card) => placed.get(card.id) === group), group));
      });
      if (open) {
        const fresh = element("section", "sort-group sort-group-new");
        fresh.dataset.group = "\u0000new";
        fresh.append(element("p", "muted", strings.sort_drop_new));
        columns.append(fresh);
      }
      parts.push(columns);
      board.replaceChildren(...parts);
    }

    // Dragging with pointer events: one code path for mouse, pen and touch.
    let drag = null;

    function startDrag(event, card, node) {
      if (event.button !== 0) return;
      drag = { card: card, node: node, x: event.clientX, y: event.clientY, moved: false, ghost: null };
      node.setPointerCapture(event.pointerId);
      node.addEventListener("pointermove", moveDrag);
      node.addEventListener("pointerup", endDrag, { once: true });
      node.addEventListener("pointercancel", cancelDrag, { once: true });
    }

    function moveDrag(event) {
      if (!drag) return;
      if (!drag.moved && Math.hypot(event.clientX - drag.x, event.clientY - drag.y) < 6) return;
      if (!drag.moved) {
        drag.moved = true;
        drag.ghost = element("div", "sort-ghost", drag.card.text);
        document.body.append(drag.ghost);
      }
      drag.ghost.style.transform = `translate(${event.clientX + 8}px, ${event.clientY + 8}px)`;
      board.querySelectorAll(".sort-group").forEach((section) => section.classList.remove("sort-over"));
      const over = dropZone(event);
      if (over) over.classList.add("sort-over");
    }

    function dropZone(event) {
      const under = document.elementFromPoint(event.clientX, event.clientY);
      return under ? under.closest(".sort-group") : null;
    }

    function endDrag(event) {
      const current = drag;
      if (current && current.node.hasPointerCapture(event.pointerId)) {
        current.node.releasePointerCapture(event.pointerId);
      }
      cancelDrag();
      if (!current || !current.moved) return;
      // A drag is not a click: the click that follows the pointerup must not pick the card.
      current.node.addEventListener("click", (click) => click.stopImmediatePropagation(), {
        once: true,
        capture: true,
      });
      const over = dropZone(event);
      if (!over) return;
      let group = over.dataset.group;
      if (group === "\u0000new") {
        group = newGroup(format(strings.sort_group_number, { number: groups.length + 1 }));
      }
      // After the touchend that follows this pointerup: redrawing at once would take the card
      // out of the page under the finger, leaving the browser's touch sequence unfinished.
      window.setTimeout(() => place(current.card.id, group), 0);
    }

    function cancelDrag() {
      if (!drag) return;
      drag.node.removeEventListener("pointermove", moveDrag);
      if (drag.ghost) drag.ghost.remove();
      board.querySelectorAll(".sort-over").forEach((section) => section.classList.remove("sort-over"));
      drag = null;
    }

    function finishSort() {
      const left = sort.cards.filter((card) => !placed.has(card.id)).length;
      if (left && !sort.allow_unsorted) {
        error.textContent = format(strings.sort_left, { count: left });
        board.querySelector(".sort-card") && board.querySelector(".sort-card").focus();
        return;
      }
      error.textContent = "";
      options.done();
    }

    function rename(old, name) {
      const clean = name.replace(/\s+/g, " ").trim();
      if (!clean || groups.includes(clean)) {
        draw();
        return;
      }
      groups[groups.indexOf(old)] = clean;
      sort.cards.forEach((card) => {
        if (placed.get(card.id) === old) {
          placed.set(card.id, clean);
          options.record("card_place", { task: task.id, data: { card: card.id, group: clean } });
        }
      });
      remember();
      draw();
    }

    draw();
    title.focus({ preventScroll: true });
  }

  kinds.register("tree_test", treeTest);
  kinds.register("card_sort", cardSort);
})();
