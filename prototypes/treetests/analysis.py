"""Results of a tree test's tasks from the participants' journeys through the tree. Pure.

Measures follow Optimal Workshop's Treejack, the usual reference for tree testing
(https://support.optimalworkshop.com/en/articles/2626803):

* success: the participant chose one of the task's correct nodes ("I'd find it here");
* direct: they never went back up the tree on the way (no backtracking), whatever they chose;
  a direct success is a success without backtracking, an indirect one a success with it;
* first click: the top-level label they opened first, right when it leads to a correct node;
* time: seconds from the task's start to the choice (successes only, geometric mean, as for
  click-through tasks);
* destinations: where people chose, with how many chose there;
* the pie tree: every node anyone visited, how often, and what they did next.

Intervals come from ``prototypes.stats`` through ``analysis.Estimate``, so criteria such as
"task success at least 70%" are judged by ``prototypes.analysis`` like every other criterion.
"""

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from prototypes import analysis, stats

# Metric names criteria use (prototypes.analysis.PROPORTION_METRICS / TIME_METRICS).
SUCCESS = "completion_rate"
DIRECT_SUCCESS = "direct_success_rate"
FIRST_CLICK = "first_click_rate"
TIME = "time_on_task"
DIRECTNESS = "directness"


@dataclass(frozen=True)
class Node:
    id: int
    label: str
    parent: int | None  # None for a top-level node


@dataclass(frozen=True)
class Journey:
    """One participant's attempt at one task.

    ``visited`` lists the nodes they opened in order, ``None`` standing for the top level
    (they start there). A step to a node that is not a child of the one before is a step
    back up the tree. ``chosen`` is the node they said they would find it at, None if they
    skipped the task.
    """

    session_id: int
    visited: tuple
    chosen: int | None
    seconds: float | None = None


@dataclass(frozen=True)
class Destination:
    node: int | None  # None: skipped
    count: int
    correct: bool
    share: float


@dataclass(frozen=True)
class PieNode:
    """One visited node of the pie tree and what visitors did next there."""

    node: int | None
    visits: int  # participants who visited it at least once
    deeper: int  # ... and opened a child from it
    back: int  # ... and went back up from it
    chose: int  # ... and chose it
    on_correct_path: bool


@dataclass(frozen=True)
class TreeTaskResult:
    n: int
    success: analysis.Estimate | None
    direct_success: analysis.Estimate | None
    indirect_success_rate: float | None
    failure_rate: float | None
    skip_rate: float | None
    directness: analysis.Estimate | None
    first_click: analysis.Estimate | None
    first_clicks: tuple  # (top-level node, count, right) by count
    time: analysis.Estimate | None
    median_seconds: float | None
    destinations: tuple  # Destination by count
    pie: tuple  # PieNode in tree order

    def estimate(self, metric):
        return {
            SUCCESS: self.success,
            DIRECT_SUCCESS: self.direct_success,
            FIRST_CLICK: self.first_click,
            TIME: self.time,
            DIRECTNESS: self.directness,
        }[metric]


class Walk(NamedTuple):
    """What a sequence of visited nodes says, whoever took it and whatever they chose."""

    backtracked: bool  # as ``backtracked``: they went back up from somewhere
    first_top_level: int | None  # as ``first_top_level``
    seen: frozenset  # the nodes visited, and the top level (None)
    deeper: frozenset  # the nodes from which a child was opened
    back: frozenset  # the nodes from which they went back up (or anywhere but one level down)

    @classmethod
    def of(cls, visited, tree):
        parents = tree.parents
        deeper, back = set(), set()
        here = first = None
        for node in visited:
            if node is not None and parents[node] == here:
                deeper.add(here)
            elif node != here:
                back.add(here)
            if first is None:
                first = node
            here = node
        return cls(
            bool(back),
            None if first is None else tree.top_level(first),
            frozenset((None, *visited)),
            frozenset(deeper),
            frozenset(back),
        )


class Tree:
    """Parent links of a tree, with the questions the analysis asks of it."""

    def __init__(self, nodes: Sequence[Node]):
        self.nodes = {node.id: node for node in nodes}
        self.order = [node.id for node in nodes]
        self.parents = {node.id: node.parent for node in nodes}
        self._walks = {}

    def walk(self, visited):
        """The ``Walk`` of a sequence of visited nodes, worked out once per tree: most
        participants, in every task, go the same few ways."""
        walk = self._walks.get(visited)
        if walk is None:
            walk = self._walks[visited] = Walk.of(visited, self)
        return walk

    def parent(self, node_id):
        return self.nodes[node_id].parent

    def ancestors(self, node_id):
        """The node and every node above it, up to its top-level node."""
        chain = []
        while node_id is not None:
            chain.append(node_id)
            node_id = self.nodes[node_id].parent
        return chain

    def top_level(self, node_id):
        return self.ancestors(node_id)[-1]

    def label(self, node_id):
        return self.nodes[node_id].label if node_id is not None else "Home"

    def path_label(self, node_id, separator=" › "):
        return separator.join(self.nodes[n].label for n in reversed(self.ancestors(node_id)))


def backtracked(journey: Journey, tree: Tree):
    """Whether the journey ever went back up the tree (or anywhere but one level down)."""
    here = None
    for node in journey.visited:
        if node == here:
            continue
        if node is None or tree.parent(node) != here:
            return True
        here = node
    return False


def first_top_level(journey: Journey, tree: Tree):
    """The top-level node opened first, None if they opened nothing."""
    for node in journey.visited:
        if node is not None:
            return tree.top_level(node)
    return None


def tree_task_result(
    tree: Tree, correct: set, journeys: Sequence[Journey], confidence=0.95
) -> TreeTaskResult:
    """Every measure of one task from its journeys; ``correct`` holds the correct node ids."""
    ways = Counter((journey.visited, journey.chosen) for journey in journeys)
    times = [
        journey.seconds
        for journey in journeys
        if journey.chosen in correct and journey.seconds is not None and journey.seconds > 0
    ]
    return tree_task_result_of_ways(tree, correct, ways, times, confidence)


def tree_task_result_of_ways(tree: Tree, correct: set, ways: Counter, times, confidence=0.95):
    """``tree_task_result`` from the participants counted by (nodes visited, node chosen),
    and the seconds of the successes: many participants take the same way, and each way is
    looked at once."""
    n = sum(ways.values())
    right_tops = {tree.top_level(node) for node in correct}
    successes = direct_successes = indirect = skipped = direct = 0
    firsts = Counter()
    chosen = Counter()
    for (visited, choice), count in ways.items():
        walk = tree.walk(visited)
        went_back = walk.backtracked
        direct += count * (not went_back)
        chosen[choice] += count
        if choice is None:
            skipped += count
        elif choice in correct:
            successes += count
            if went_back:
                indirect += count
            else:
                direct_successes += count
        if walk.first_top_level is not None:
            firsts[walk.first_top_level] += count
    clicked = sum(firsts.values())
    first_right = sum(count for node, count in firsts.items() if node in right_tops)
    return TreeTaskResult(
        n=n,
        success=proportion(successes, n, confidence),
        direct_success=proportion(direct_successes, n, confidence),
        indirect_success_rate=indirect / n if n else None,
        failure_rate=(n - successes - skipped) / n if n else None,
        skip_rate=skipped / n if n else None,
        directness=proportion(direct, n, confidence),
        first_click=proportion(first_right, clicked, confidence),
        first_clicks=tuple(
            (node, count, node in right_tops) for node, count in _by_count(firsts, tree)
        ),
        time=time_estimate(times, confidence),
        median_seconds=stats.median(times) if times else None,
        destinations=tuple(
            Destination(node, count, node in correct, count / n)
            for node, count in _by_count(chosen, tree)
        ),
        pie=pie_tree(tree, correct, ways),
    )


def _by_count(counter, tree):
    position = {node: index for index, node in enumerate(tree.order)}
    return sorted(counter.items(), key=lambda item: (-item[1], position.get(item[0], -1)))


def pie_tree(tree: Tree, correct: set, ways: Counter):
    """Per visited node, how many participants visited it and what they did next there.

    ``ways`` counts participants by (nodes visited, node chosen). A participant counts once
    per node and per next move, however often they came back: the pie tree shows how many
    people took each way, not how many clicks were made.
    """
    on_path = {node for target in correct for node in tree.ancestors(target)} | {None}
    visits, deeper, back, chose = Counter(), Counter(), Counter(), Counter()
    takers = Counter()
    for (visited, choice), count in ways.items():
        takers[visited] += count
        if choice is not None:
            chose[choice] += count
            if choice not in tree.walk(visited).seen:
                visits[choice] += count
    for visited, count in takers.items():
        walk = tree.walk(visited)
        for node in walk.seen:
            visits[node] += count
        for node in walk.deeper:
            deeper[node] += count
        for node in walk.back:
            back[node] += count
    order = [None, *tree.order]
    return tuple(
        PieNode(node, visits[node], deeper[node], back[node], chose[node], node in on_path)
        for node in order
        if visits[node]
    )


def proportion(successes, trials, confidence):
    """An ``analysis.Estimate`` of a share with its adjusted-Wald interval, None without trials."""
    if not trials:
        return None
    low, high = stats.completion_interval(successes, trials, confidence)
    return analysis.Estimate(successes / trials, low, high, trials, successes, trials)


def time_estimate(seconds, confidence):
    """Geometric mean of task times with its interval (one time: no interval)."""
    if not seconds:
        return None
    if len(seconds) == 1:
        return analysis.Estimate(seconds[0], None, None, 1)
    mean, low, high = stats.time_interval(seconds, confidence)
    return analysis.Estimate(mean, low, high, len(seconds))


def verdict(criterion: analysis.Criterion, result: TreeTaskResult, confidence=0.95):
    """The criterion's verdict on a tree-test task, by the same rules as every criterion."""
    return analysis.judge_estimate(criterion, result.estimate(criterion.metric), confidence)


def journeys_from_steps(steps: Mapping[int, Sequence[tuple]]):
    """Journeys from each session's tree events in order: (type, node, seconds) tuples where
    type is "open", "back", "choose" or "skip" (the event types of docs/api.md)."""
    journeys = []
    for session_id, events in steps.items():
        visited, chosen, seconds = [], None, None
        for kind, node, at in events:
            if kind in ("open", "back"):
                visited.append(node)
            elif kind in ("choose", "skip"):
                chosen = node if kind == "choose" else None
                seconds = at
                break
        journeys.append(Journey(session_id, tuple(visited), chosen, seconds))
    return journeys


def attempt_outcome(correct, parents, visited, chosen):
    """(outcome, first click right) of a tree-test attempt, as the player's attempt records
    keep them: "direct" or "indirect" for a success, "gave_up" for a wrong label or a skip
    (as "I'm done" away from a goal is for a click-through task); ``parents`` maps each node
    of the tree to its parent."""
    tree = Tree([Node(node, "", parent) for node, parent in parents.items()])
    journey = Journey(0, tuple(visited), chosen)
    first = first_top_level(journey, tree)
    first_right = None
    if first is not None:
        first_right = first in {tree.top_level(node) for node in correct}
    if chosen is None or chosen not in correct:
        return analysis.GAVE_UP, first_right
    return (analysis.INDIRECT if backtracked(journey, tree) else analysis.DIRECT), first_right
