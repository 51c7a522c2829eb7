"""How a participant's attempt at a task is read from the events their browser recorded.

Pure code, no Django: the ingestion service turns stored events into `Step`s and stores what
`summarize_attempt` returns as a TaskAttempt. The summary depends only on the set of events, never
on the order in which they reached the server, so batches that arrive late, twice or out of
order always give the same attempt.
"""

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from prototypes.treetests.analysis import attempt_outcome as tree_outcome

DIRECT = "direct"
INDIRECT = "indirect"
GAVE_UP = "gave_up"
TIMED_OUT = "timed_out"

# Why the player ended a task, sent as data.reason of a task_end event.
REACHED_GOAL = "goal"
SAID_DONE = "done"
END_REASONS = (REACHED_GOAL, SAID_DONE, GAVE_UP, TIMED_OUT)
TREE_TEST = "tree_test"
CARD_SORT = "card_sort"
NAVIGATION_KINDS = (TREE_TEST, CARD_SORT)

# Events recorded in the same millisecond are ordered as the player records them.
TYPE_ORDER = {
    "task_start": 0,
    "click": 1,
    "misclick": 1,
    "navigate": 2,
    "tree_step": 2,
    "card_place": 2,
    "comment": 3,
    "text": 3,
    "give_up": 4,
    "task_end": 5,
    "answer": 6,
}
ATTEMPT_EVENT_TYPES = tuple(TYPE_ORDER)
# The events that start or settle an attempt (an answer of a task is its SEQ). The others
# (clicks, misclicks, navigations, comments, typed text) only add to an attempt in progress, so
# the ingestion service may leave its summary behind until one of these arrives.
BOUNDARY_TYPES = frozenset({"task_start", "give_up", "task_end", "answer"})


@dataclass(frozen=True)
class TaskPlan:
    id: int
    start_screen: int
    goal_screens: frozenset[int]
    # Screen ids from start to goal; empty when the designer gave none.
    expected_path: tuple[int, ...] = ()
    kind: str = "clickthrough"
    # Tree tests: every node of the tree -> its parent, and the correct nodes.
    tree: Mapping[int, int | None] = field(default_factory=dict)
    correct_nodes: frozenset[int] = frozenset()
    # Card sorts: the cards, and the categories of a closed sort (empty: any group name).
    cards: frozenset[int] = frozenset()
    categories: frozenset[str] = frozenset()
    closed: bool = False


@dataclass(frozen=True)
class Link:
    """A hotspot as navigation sees it: target is None for "back" and "end" hotspots."""

    screen: int
    target: int | None


class Step(NamedTuple):
    """One stored event of the task.

    A named tuple rather than a frozen dataclass, whose every field is set through
    object.__setattr__: a batch ending a task makes one for each event of the task.
    """

    uuid: str
    type: str
    t_ms: int
    screen: int | None = None
    hotspot: int | None = None
    data: Mapping | None = None


@dataclass(frozen=True)
class AttemptSummary:
    outcome: str  # "" while the task has not ended
    started_ms: int
    ended_ms: int | None
    clicks: int
    misclicks: int
    path: list[int]
    first_click_success: bool | None
    seq: int | None


def distances_to_goal(links: Iterable[Link], goals: Iterable[int]) -> dict[int, int]:
    """Fewest hotspot clicks from each screen to the nearest goal (screens that cannot reach one
    are left out)."""
    incoming: dict[int, list[int]] = {}
    for link in links:
        if link.target is not None:
            incoming.setdefault(link.target, []).append(link.screen)
    distances = dict.fromkeys(goals, 0)
    queue = deque(distances)
    while queue:
        screen = queue.popleft()
        for source in incoming.get(screen, ()):
            if source not in distances:
                distances[source] = distances[screen] + 1
                queue.append(source)
    return distances


def summarize_attempt(
    task: TaskPlan,
    steps: Iterable[Step],
    links: Mapping[int, Link],
    distances: Mapping[int, int],
) -> AttemptSummary | None:
    """The attempt the steps describe, or None when there are none."""
    ordered = sorted({step.uuid: step for step in steps}.values(), key=_order)
    if not ordered:
        return None
    starts = [step for step in ordered if step.type == "task_start"]
    ends = [index for index, step in enumerate(ordered) if step.type == "task_end"]
    end = ordered[ends[0]] if ends else None
    # Anything after the first task_end (a double-tapped button, a resumed page) is not part of
    # the attempt; answers (the SEQ) come afterwards by design.
    during = ordered[: ends[0] + 1] if ends else ordered

    if task.kind in NAVIGATION_KINDS:
        return _navigation_attempt(task, ordered, starts, end, during)

    path = [starts[0].screen if starts and starts[0].screen else task.start_screen]
    for step in during:
        if step.type == "navigate" and step.screen is not None and step.screen != path[-1]:
            path.append(step.screen)

    clicks = [step for step in during if step.type in ("click", "misclick")]
    return AttemptSummary(
        outcome=_outcome(task, end, during, path, distances),
        started_ms=starts[0].t_ms if starts else ordered[0].t_ms,
        ended_ms=end.t_ms if end else None,
        clicks=sum(1 for step in clicks if step.type == "click"),
        misclicks=sum(1 for step in clicks if step.type == "misclick"),
        path=path,
        first_click_success=(
            _first_click_success(task, clicks[0], path[0], links, distances) if clicks else None
        ),
        seq=_seq(ordered),
    )


def _navigation_attempt(task, ordered, starts, end, during):
    """A tree test's attempt (its path is the nodes shown) or a card sort's (a success once
    the participant has said the sort is done, like the other kinds that end on an answer)."""
    moves = [step for step in during if step.type in ("tree_step", "card_place")]
    path = []
    first_click_success = None
    outcome = ""
    if task.kind == TREE_TEST:
        path = [step.data.get("node") for step in moves if step.data]
        if end is not None:
            data = end.data or {}
            chosen = data.get("node") if data.get("reason") == SAID_DONE else None
            outcome, first_click_success = tree_outcome(task.correct_nodes, task.tree, path, chosen)
            if data.get("reason") == TIMED_OUT:
                outcome = TIMED_OUT
    elif end is not None:
        reason = (end.data or {}).get("reason")
        outcome = {SAID_DONE: DIRECT, TIMED_OUT: TIMED_OUT}.get(reason, GAVE_UP)
    return AttemptSummary(
        outcome=outcome,
        started_ms=starts[0].t_ms if starts else ordered[0].t_ms,
        ended_ms=end.t_ms if end else None,
        clicks=len(moves),
        misclicks=0,
        path=path,
        first_click_success=first_click_success,
        seq=_seq(ordered),
    )


def _order(step):
    return (step.t_ms, TYPE_ORDER.get(step.type, 9), step.uuid)


def _outcome(task, end, during, path, distances):
    if end is None:
        return ""
    reason = (end.data or {}).get("reason")
    if reason == TIMED_OUT:
        return TIMED_OUT
    if reason == GAVE_UP or any(step.type == "give_up" for step in during):
        return GAVE_UP
    if path[-1] not in task.goal_screens:
        # "I'm done" somewhere other than a goal is not a success.
        return GAVE_UP
    return DIRECT if _is_direct(task, path, distances) else INDIRECT


def _is_direct(task, path, distances):
    if task.expected_path:
        return tuple(path) == task.expected_path
    # Without an expected path, direct means a shortest route with no screen seen twice.
    return len(set(path)) == len(path) and distances.get(path[0]) == len(path) - 1


def _first_click_success(task, first, start, links, distances):
    if first.type != "click":
        return False
    link = links.get(first.hotspot)
    if link is None or link.target is None:
        return False
    if len(task.expected_path) >= 2:
        return link.target == task.expected_path[1]
    from_start = distances.get(start)
    return bool(from_start) and distances.get(link.target) == from_start - 1


def _seq(ordered):
    answers = [
        step.data["seq"]
        for step in ordered
        if step.type == "answer" and step.data and isinstance(step.data.get("seq"), int)
    ]
    return answers[-1] if answers else None
