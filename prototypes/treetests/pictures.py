"""Geometry of the tree test's server-rendered "pie tree". Pure.

As in ``prototypes.reports.charts``, Python computes where things go and what a screen
reader should hear; templates draw the SVG with attributes and classes, never inline styles.
"""

import math
from dataclasses import dataclass

ROW = 34
COLUMN = 150
LEFT = 24
TOP = 24
MAX_RADIUS = 13
MIN_RADIUS = 4
# What visitors did next at a node, in the order the pie's slices go round.
SLICES = (("deeper", "went further down"), ("back", "went back"), ("chose", "chose it"))
# Colours are SVG attributes, not CSS, so the pictures look the same in the PDF renderer.
COLOURS = {
    "deeper": "#4dabf7",
    "back": "#f59f00",
    "chose-right": "#2b8a3e",
    "chose-wrong": "#c92a2a",
    "none": "#ced4da",
}


@dataclass(frozen=True)
class Slice:
    css: str
    path: str  # an SVG path; a full circle when one move took every visitor

    @property
    def colour(self):
        return COLOURS[self.css]


@dataclass(frozen=True)
class PieNode:
    x: float
    y: float
    radius: float
    label: str
    label_x: float
    parent_x: float | None
    parent_y: float | None
    correct: bool
    slices: tuple
    text: str


@dataclass(frozen=True)
class PieTree:
    width: int
    height: int
    nodes: tuple
    aria_label: str


def pie_tree(pie_nodes, tree, chosen_correct):
    """The "pie tree" of a tree-test task: every node someone visited, placed by depth (left
    to right) in the tree's order (top to bottom), sized by visitors and cut into what they
    did next. ``pie_nodes`` come from ``analysis.pie_tree``; ``chosen_correct`` is the set of
    correct nodes, whose "chose it" slice is drawn as a success."""
    most = max((row.visits for row in pie_nodes), default=0)
    places = {}
    drawn = []
    for index, row in enumerate(pie_nodes):
        depth = 0 if row.node is None else len(tree.ancestors(row.node))
        x = LEFT + depth * COLUMN
        y = TOP + index * ROW
        places[row.node] = (x, y)
        radius = MIN_RADIUS + (MAX_RADIUS - MIN_RADIUS) * math.sqrt(row.visits / most)
        parent = None if row.node is None else tree.parent(row.node)
        parent_x, parent_y = (
            places.get(parent, (None, None)) if row.node is not None else (None, None)
        )
        counts = {"deeper": row.deeper, "back": row.back, "chose": row.chose}
        choose_css = "chose-right" if row.node in chosen_correct else "chose-wrong"
        slices = _slices(
            x,
            y,
            radius,
            [(choose_css if name == "chose" else name, counts[name]) for name, _ in SLICES],
        )
        label = tree.label(row.node)
        text = f"{label}: {row.visits} visited" + "".join(
            f", {counts[name]} {words}" for name, words in SLICES if counts[name]
        )
        drawn.append(
            PieNode(
                x,
                y,
                radius,
                label,
                x + radius + 5,
                parent_x,
                parent_y,
                row.on_correct_path,
                slices,
                text,
            )
        )
    width = LEFT + (max((node.x for node in drawn), default=0) - LEFT) + COLUMN + 40
    height = TOP + len(drawn) * ROW
    aria = "Pie tree of where participants went. " + "; ".join(node.text for node in drawn)
    return PieTree(int(width), int(height), tuple(drawn), aria)


def _slices(cx, cy, radius, parts):
    total = sum(count for _, count in parts)
    if not total:
        return (Slice("none", _circle(cx, cy, radius)),)
    slices = []
    angle = -math.pi / 2
    for css, count in parts:
        if not count:
            continue
        if count == total:
            return (Slice(css, _circle(cx, cy, radius)),)
        sweep = 2 * math.pi * count / total
        x1, y1 = cx + radius * math.cos(angle), cy + radius * math.sin(angle)
        x2, y2 = cx + radius * math.cos(angle + sweep), cy + radius * math.sin(angle + sweep)
        large = 1 if sweep > math.pi else 0
        slices.append(
            Slice(
                css,
                f"M{cx:.2f},{cy:.2f} L{x1:.2f},{y1:.2f} "
                f"A{radius:.2f},{radius:.2f} 0 {large} 1 {x2:.2f},{y2:.2f} Z",
            )
        )
        angle += sweep
    return tuple(slices)


def _circle(cx, cy, radius):
    return (
        f"M{cx - radius:.2f},{cy:.2f} a{radius:.2f},{radius:.2f} 0 1 0 {2 * radius:.2f},0 "
        f"a{radius:.2f},{radius:.2f} 0 1 0 {-2 * radius:.2f},0 Z"
    )
