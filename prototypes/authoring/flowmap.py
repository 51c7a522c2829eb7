"""The flow map: screens laid out by how many taps they are from the first, and their links.

Screens are placed in columns by breadth-first distance from the first screen, following
"go to" hotspots; screens nothing reaches come last, in a column of their own. Links that go
forward are drawn left to right; links back to an earlier or the same column ("returns", such
as a tab bar leading home) are drawn dashed between the screens' top and bottom edges, so the
forward flow stays readable.
"""

from collections import defaultdict, deque
from dataclasses import dataclass, field

from prototypes.authoring.models import DEVICE_ASPECT, Hotspot

PADDING = 24
COLUMN_GAP = 110
ROW_GAP = 90
LABEL_HEIGHT = 34
# Room under the lowest row for returns between screens of that row.
RETURN_MARGIN = 60
# Returns arriving at the same screen are spread this far apart.
RETURN_SPREAD = 7
THUMBNAIL_LONG_EDGE = 170


@dataclass(eq=False)
class Node:
    screen: object
    column: int
    row: int
    x: float = 0
    y: float = 0
    width: float = 0
    height: float = 0
    warnings: list = field(default_factory=list)
    outgoing: list = field(default_factory=list)
    # "Back" and "end the flow" hotspots, which have no arrow: (label, what it does).
    exits: list = field(default_factory=list)

    @property
    def label_x(self):
        return self.x + self.width / 2

    @property
    def label_y(self):
        return self.y + self.height + 22


@dataclass
class Link:
    source: Node
    target: Node
    labels: list
    path: str = ""
    is_return: bool = False


@dataclass
class FlowMap:
    nodes: list
    links: list
    width: float
    height: float
    warnings: list
    unreachable: list
    dead_ends: list
    broken: list


def node_size(device):
    aspect = DEVICE_ASPECT[device]
    if aspect < 1:
        return THUMBNAIL_LONG_EDGE * aspect, THUMBNAIL_LONG_EDGE
    return THUMBNAIL_LONG_EDGE, THUMBNAIL_LONG_EDGE / aspect


def build_flow_map(screens, hotspots, device):
    """Lay out `screens` (in order; the first is the start) linked by `hotspots`."""
    screens = list(screens)
    by_screen = defaultdict(list)
    for hotspot in hotspots:
        by_screen[hotspot.screen_id].append(hotspot)
    ids = {screen.pk for screen in screens}

    columns = distances_from_start(screens, by_screen, ids)
    unreached_column = max(columns.values(), default=-1) + 1
    rows_used = defaultdict(int)
    nodes = {}
    for screen in screens:
        column = columns.get(screen.pk, unreached_column)
        nodes[screen.pk] = Node(screen=screen, column=column, row=rows_used[column])
        rows_used[column] += 1

    width, height = node_size(device)
    for node in nodes.values():
        node.width, node.height = width, height
        node.x = PADDING + node.column * (width + COLUMN_GAP)
        node.y = PADDING + node.row * (height + LABEL_HEIGHT + ROW_GAP)

    labels = defaultdict(list)
    for screen in screens:
        for hotspot in by_screen[screen.pk]:
            if hotspot.action == Hotspot.Action.GO_TO and hotspot.target_id in ids:
                labels[(screen.pk, hotspot.target_id)].append(hotspot.label)
    links = [
        Link(source=nodes[source], target=nodes[target], labels=names)
        for (source, target), names in labels.items()
    ]
    arrivals = defaultdict(int)
    for link in links:
        link.is_return = link.target.column <= link.source.column
        spread = 0
        if link.is_return and link.source is not link.target:
            spread = RETURN_SPREAD * arrivals[link.target.screen.pk]
            arrivals[link.target.screen.pk] += 1
        link.path = link_path(link.source, link.target, spread)
        link.source.outgoing.append(link)

    unreachable, dead_ends, broken, warnings = [], [], [], []
    linked_to = {target for source, target in labels if source != target}
    for index, screen in enumerate(screens):
        node = nodes[screen.pk]
        own = by_screen[screen.pk]
        if index > 0 and screen.pk not in linked_to:
            unreachable.append(screen)
            node.warnings.append("Nothing links to this screen.")
            warnings.append(f"Nothing links to “{screen.name}”, so no one can reach it.")
        for hotspot in own:
            if hotspot.action != Hotspot.Action.GO_TO:
                node.exits.append((hotspot.label, hotspot.get_action_display().lower()))
            elif hotspot.target_id not in ids:
                broken.append(hotspot)
                node.warnings.append(f"“{hotspot.label}” leads to a deleted screen.")
                warnings.append(
                    f"The hotspot “{hotspot.label}” on “{screen.name}” leads to a screen that "
                    "was deleted."
                )
        if not any(goes_somewhere(hotspot, ids) for hotspot in own):
            dead_ends.append(screen)
            reason = "has no hotspots" if not own else "has no hotspot that leads anywhere"
            node.warnings.append(f"Dead end: this screen {reason}.")
            warnings.append(
                f"“{screen.name}” is a dead end: it {reason} and does not end the flow."
            )

    rows = max(rows_used.values(), default=0)
    columns_count = max((node.column for node in nodes.values()), default=-1) + 1
    return FlowMap(
        nodes=list(nodes.values()),
        links=links,
        width=2 * PADDING + columns_count * width + max(columns_count - 1, 0) * COLUMN_GAP,
        height=2 * PADDING + rows * (height + LABEL_HEIGHT + ROW_GAP) - ROW_GAP + RETURN_MARGIN,
        warnings=warnings,
        unreachable=unreachable,
        dead_ends=dead_ends,
        broken=broken,
    )


def goes_somewhere(hotspot, ids):
    if hotspot.action == Hotspot.Action.GO_TO:
        return hotspot.target_id in ids
    return True  # Going back and ending the flow are both ways out.


def distances_from_start(screens, by_screen, ids):
    if not screens:
        return {}
    start = screens[0].pk
    distance = {start: 0}
    queue = deque([start])
    while queue:
        current = queue.popleft()
        for hotspot in by_screen[current]:
            target = hotspot.target_id
            if hotspot.action == Hotspot.Action.GO_TO and target in ids and target not in distance:
                distance[target] = distance[current] + 1
                queue.append(target)
    return distance


def link_path(source, target, spread=0):
    """An SVG path from source to target: a forward curve, a return, or a loop."""
    if source is target:
        right = source.x + source.width
        top = source.y + source.height * 0.3
        bottom = source.y + source.height * 0.6
        return (
            f"M {right:.1f} {top:.1f} C {right + 50:.1f} {top - 20:.1f} "
            f"{right + 50:.1f} {bottom + 20:.1f} {right + 4:.1f} {bottom:.1f}"
        )
    if target.column > source.column:
        start_x = source.x + source.width
        start_y = source.y + source.height / 2
        end_x = target.x - 6
        end_y = target.y + target.height / 2
        middle = (start_x + end_x) / 2
        return curve(start_x, start_y, middle, start_y, middle, end_y, end_x, end_y)
    start_x = source.x + source.width * 0.35
    end_x = target.x + target.width * 0.65 - spread
    if target.row < source.row:
        # Up from the source's top edge to just under the target's name.
        start_y = source.y
        end_y = target.y + target.height + LABEL_HEIGHT + 4
        bend = (start_y - end_y) / 2
        return curve(start_x, start_y, start_x, start_y - bend, end_x, end_y + bend, end_x, end_y)
    start_y = source.y + source.height + LABEL_HEIGHT
    if target.row > source.row:
        # Down from under the source's name to the target's top edge.
        end_y = target.y - 6
        bend = (end_y - start_y) / 2
        return curve(start_x, start_y, start_x, start_y + bend, end_x, end_y - bend, end_x, end_y)
    # Same row: a loop under both screens.
    end_y = start_y + 4
    depth = start_y + RETURN_MARGIN * 0.7 + spread
    return curve(start_x, start_y, start_x, depth, end_x, depth, end_x, end_y)


def curve(*points):
    start_x, start_y, *controls = points
    coordinates = " ".join(f"{value:.1f}" for value in controls)
    return f"M {start_x:.1f} {start_y:.1f} C {coordinates}"
