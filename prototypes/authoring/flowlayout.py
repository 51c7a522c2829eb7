"""A layered drawing of a directed graph (the flow map's screens and links), pure Python.

The steps are Sugiyama's (Sugiyama, Tagawa and Toda, "Methods for visual understanding of
hierarchical system structures", IEEE SMC 11(2), 1981):

1. Cycles are broken by a depth-first search from the start, visiting neighbours in the
   designer's screen order: an edge to a node still on the search's stack is a *return*
   (a tab bar leading home, "back to the list"); returns are drawn apart, under the layers.
2. Layers by longest path over the remaining edges, so every forward edge points right.
   Nodes the start does not reach get a layer of their own after the others.
3. An edge spanning several layers passes through a dummy node in each layer between, so it
   is routed around the screens in its way and takes part in crossing reduction.
4. Crossings are reduced by barycentre ordering (each node moves to the mean position of its
   neighbours in the previous layer), sweeping right then left, keeping the best order seen
   (Eades and Wormald, "Edge crossings in drawings of bipartite graphs", Algorithmica 11,
   1994).

Edges are bundled by target: every forward edge into a node meets the others at one point
just left of it and enters as one arrow; every return into a node runs in that node's own
lane under the drawing and rises into its bottom as one arrow.
"""

from collections import defaultdict
from dataclasses import dataclass, field

SWEEPS = 8


@dataclass
class Box:
    """A node's place: top-left corner and size (in SVG units)."""

    x: float
    y: float
    width: float
    height: float

    @property
    def right(self):
        return self.x + self.width

    @property
    def bottom(self):
        return self.y + self.height

    @property
    def middle_y(self):
        return self.y + self.height / 2

    @property
    def middle_x(self):
        return self.x + self.width / 2


@dataclass
class Layout:
    layer: dict
    order: dict  # node → index within its layer (dummies included)
    boxes: dict  # node → Box
    returns: set  # (source, target) edges drawn as returns
    paths: dict  # (source, target) → SVG path data of the edge up to its bundle point
    trunks: dict  # target → SVG path data of the arrow from the bundle point into the node
    return_trunks: dict  # target → SVG path data of the returns' shared arrow into the node
    width: float
    height: float
    crossings: int
    layers: list = field(default_factory=list)  # lists of nodes (dummies included), in order


@dataclass(frozen=True)
class Dummy:
    """Where an edge spanning several layers crosses one layer in between."""

    source: object
    target: object
    layer: int


def break_cycles(nodes, edges, start):
    """The edges that close a cycle, found by depth-first search from `start` then from every
    node not reached yet, neighbours taken in the order of `nodes`."""
    rank = {node: index for index, node in enumerate(nodes)}
    successors = defaultdict(list)
    for source, target in edges:
        if source != target and target not in successors[source]:
            successors[source].append(target)
    for source in successors:
        successors[source].sort(key=rank.__getitem__)
    state = {}
    returns = set()
    roots = ([start] if start in rank else []) + list(nodes)
    for root in roots:
        if root in state:
            continue
        state[root] = "open"
        stack = [(root, iter(successors[root]))]
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = "done"
                stack.pop()
            elif child not in state:
                state[child] = "open"
                stack.append((child, iter(successors[child])))
            elif state[child] == "open":
                returns.add((node, child))
    return returns


def reachable(start, edges):
    seen = {start}
    frontier = [start]
    successors = defaultdict(set)
    for source, target in edges:
        successors[source].add(target)
    while frontier:
        node = frontier.pop()
        for target in successors[node] - seen:
            seen.add(target)
            frontier.append(target)
    return seen


def longest_path_layers(nodes, forward):
    """Layer of each node: 0 for nodes without a forward edge in, else 1 + the highest layer
    of the nodes with an edge into it."""
    predecessors = defaultdict(set)
    for source, target in forward:
        predecessors[target].add(source)
    layer = {}

    def place(node):
        # Iterative, so a long chain of screens cannot exhaust Python's recursion limit.
        stack = [node]
        while stack:
            current = stack[-1]
            waiting = [p for p in predecessors[current] if p not in layer]
            if waiting:
                stack.extend(waiting)
                continue
            stack.pop()
            layer[current] = max((layer[p] + 1 for p in predecessors[current]), default=0)

    for node in nodes:
        if node not in layer:
            place(node)
    return layer


def count_crossings(layers, edges):
    """Crossings between adjacent layers, for edges given between neighbouring layers."""
    position = {node: index for nodes in layers for index, node in enumerate(nodes)}
    layer_of = {node: number for number, nodes in enumerate(layers) for node in nodes}
    between = defaultdict(list)
    for source, target in edges:
        between[layer_of[source]].append((position[source], position[target]))
    total = 0
    for pairs in between.values():
        pairs.sort()
        for index, (_, low) in enumerate(pairs):
            total += sum(1 for _, other in pairs[index + 1 :] if other < low)
    return total


def order_layers(layers, edges):
    """Barycentre sweeps over `layers` (lists of nodes); returns the order with fewest
    crossings."""
    predecessors = defaultdict(list)
    successors = defaultdict(list)
    for source, target in edges:
        successors[source].append(target)
        predecessors[target].append(source)
    best = [list(nodes) for nodes in layers]
    best_crossings = count_crossings(best, edges)
    current = [list(nodes) for nodes in layers]
    for sweep in range(SWEEPS):
        rightwards = sweep % 2 == 0
        indices = range(1, len(current)) if rightwards else range(len(current) - 2, -1, -1)
        for number in indices:
            fixed = current[number - 1] if rightwards else current[number + 1]
            position = {node: index for index, node in enumerate(fixed)}
            neighbours = predecessors if rightwards else successors
            own = {node: index for index, node in enumerate(current[number])}

            def barycentre(node, position=position, neighbours=neighbours, own=own):
                linked = [position[other] for other in neighbours[node] if other in position]
                return (sum(linked) / len(linked), own[node]) if linked else (own[node], own[node])

            current[number].sort(key=barycentre)
        crossings = count_crossings(current, edges)
        if crossings < best_crossings:
            best = [list(nodes) for nodes in current]
            best_crossings = crossings
    return best, best_crossings


def layered_layout(
    nodes,
    edges,
    start=None,
    size=(100, 200),
    column_gap=90,
    row_gap=60,
    label_height=30,
    padding=24,
    dummy_height=16,
    lane_gap=14,
    bundle_gap=22,
):
    """Lay out `nodes` (hashable, in the designer's order) joined by `edges` ((source, target)
    pairs; repeats and loops allowed, loops are left to the caller)."""
    nodes = list(dict.fromkeys(nodes))
    rank = {node: index for index, node in enumerate(nodes)}
    edges = list(dict.fromkeys((s, t) for s, t in edges if s != t and s in nodes and t in nodes))
    start = start if start in nodes else (nodes[0] if nodes else None)
    returns = break_cycles(nodes, edges, start)
    forward = [edge for edge in edges if edge not in returns]
    seen = reachable(start, forward) if start is not None else set()
    reached = [node for node in nodes if node in seen]
    layer = longest_path_layers(reached, [(s, t) for s, t in forward if s in seen and t in seen])
    after = max(layer.values(), default=-1) + 1
    for node in nodes:
        layer.setdefault(node, after)
    # Edges out of or into unreached screens are drawn as returns when they do not go right.
    returns |= {(s, t) for s, t in forward if layer[t] <= layer[s]}
    forward = [edge for edge in forward if edge not in returns]

    layers = [[] for _ in range(max(layer.values(), default=-1) + 1)]
    for node in nodes:
        layers[layer[node]].append(node)
    chain_edges = []
    chains = {}
    for source, target in forward:
        chain = [source]
        for between in range(layer[source] + 1, layer[target]):
            dummy = Dummy(source, target, between)
            layers[between].append(dummy)
            layer[dummy] = between
            chain.append(dummy)
        chain.append(target)
        chains[(source, target)] = chain
        chain_edges.extend(zip(chain, chain[1:], strict=False))
    layers, crossings = order_layers(layers, chain_edges)

    width, height = size
    slot = {
        node: (dummy_height if isinstance(node, Dummy) else height + label_height) for node in layer
    }
    columns_height = [
        sum(slot[node] for node in nodes_in) + row_gap * max(len(nodes_in) - 1, 0)
        for nodes_in in layers
    ]
    tallest = max(columns_height, default=0)
    # Room on the left for the returns rising into the first column.
    left = padding + column_gap * 0.6
    boxes = {}
    for number, nodes_in in enumerate(layers):
        y = padding + (tallest - columns_height[number]) / 2
        x = left + number * (width + column_gap)
        for node in nodes_in:
            box_height = dummy_height if isinstance(node, Dummy) else height
            boxes[node] = Box(x, y, width, box_height)
            y += slot[node] + row_gap
    content_bottom = padding + tallest

    paths = {}
    trunks = {}
    for (source, target), chain in chains.items():
        points = [(boxes[source].right, boxes[source].middle_y)]
        for dummy in chain[1:-1]:
            box = boxes[dummy]
            points += [(box.x, box.middle_y), (box.right, box.middle_y)]
        bundle = (boxes[target].x - bundle_gap, boxes[target].middle_y)
        points.append(bundle)
        paths[(source, target)] = smooth(points)
        trunks[target] = (
            f"M {fmt(bundle[0])} {fmt(bundle[1])} L {fmt(boxes[target].x - 4)} {fmt(bundle[1])}"
        )

    # Returns leave a screen's right side low down, go down the gap after its column to their
    # target's lane under the drawing, and rise in the gap before the target into its side.
    return_trunks = {}
    lanes = {}
    leave_gap, enter_gap = column_gap * 0.3, column_gap * 0.6
    for source, target in sorted(returns, key=lambda edge: (rank[edge[1]], rank[edge[0]])):
        lane = lanes.setdefault(target, len(lanes))
        lane_y = content_bottom + lane_gap * (lane + 1)
        rise_x = boxes[target].x - enter_gap
        paths[(source, target)] = (
            f"M {fmt(boxes[source].right)} {fmt(boxes[source].bottom - 14)} "
            f"H {fmt(boxes[source].right + leave_gap)} V {fmt(lane_y)} H {fmt(rise_x)}"
        )
        return_trunks[target] = (
            f"M {fmt(rise_x)} {fmt(lane_y)} V {fmt(boxes[target].bottom - 14)} "
            f"H {fmt(boxes[target].x - 4)}"
        )
    # On the right, room for the returns leaving the last column.
    total_width = (
        left + padding + leave_gap + len(layers) * width + max(len(layers) - 1, 0) * column_gap
    )
    total_height = content_bottom + lane_gap * (len(lanes) + 1) + padding
    return Layout(
        layer={node: number for node, number in layer.items() if not isinstance(node, Dummy)},
        order={node: index for nodes_in in layers for index, node in enumerate(nodes_in)},
        boxes={node: box for node, box in boxes.items() if not isinstance(node, Dummy)},
        returns=returns,
        paths=paths,
        trunks=trunks,
        return_trunks=return_trunks,
        width=total_width,
        height=total_height,
        crossings=crossings,
        layers=layers,
    )


def fmt(value):
    return f"{value:.1f}"


def smooth(points):
    """An SVG path through `points`, leaving and reaching each with a horizontal tangent."""
    (x, y), *rest = points
    parts = [f"M {fmt(x)} {fmt(y)}"]
    for next_x, next_y in rest:
        middle = (x + next_x) / 2
        parts.append(
            f"C {fmt(middle)} {fmt(y)} {fmt(middle)} {fmt(next_y)} {fmt(next_x)} {fmt(next_y)}"
        )
        x, y = next_x, next_y
    return " ".join(parts)
