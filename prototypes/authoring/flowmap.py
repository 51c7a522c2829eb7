"""The flow map: screens in layers from the first one, joined by their links.

The layout is `flowlayout.layered_layout` (longest-path layers, barycentre ordering, edges
bundled by target). Links that go forward are drawn left to right; links back to an earlier
or the same layer ("returns", such as a tab bar leading home) are drawn dashed, in lanes under
the screens, so the forward flow stays readable. Hotspots that lead to a deleted screen are
drawn as a red stub ending in a cross.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from prototypes.authoring.flowlayout import layered_layout
from prototypes.authoring.models import DEVICE_ASPECT, Hotspot

COLUMN_GAP = 110
ROW_GAP = 56
LABEL_HEIGHT = 34
THUMBNAIL_LONG_EDGE = 150
BROKEN_STUB = 36


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
    # Hotspots that lead to a deleted screen: the stub drawn for them.
    broken_path: str = ""

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
class Trunk:
    """The one arrow into `target` that the links bundled there share."""

    target: Node
    path: str
    is_return: bool
    sources: list


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
    trunks: list = field(default_factory=list)
    crossings: int = 0


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
    labels = defaultdict(list)
    for screen in screens:
        for hotspot in by_screen[screen.pk]:
            if hotspot.action == Hotspot.Action.GO_TO and hotspot.target_id in ids:
                labels[(screen.pk, hotspot.target_id)].append(hotspot.label)

    width, height = node_size(device)
    layout = layered_layout(
        [screen.pk for screen in screens],
        list(labels),
        size=(width, height),
        column_gap=COLUMN_GAP,
        row_gap=ROW_GAP,
        label_height=LABEL_HEIGHT,
    )
    nodes = {}
    for screen in screens:
        box = layout.boxes[screen.pk]
        nodes[screen.pk] = Node(
            screen=screen,
            column=layout.layer[screen.pk],
            row=layout.layers[layout.layer[screen.pk]].index(screen.pk),
            x=box.x,
            y=box.y,
            width=box.width,
            height=box.height,
        )
    links = []
    for (source, target), names in labels.items():
        link = Link(source=nodes[source], target=nodes[target], labels=names)
        link.is_return = source == target or (source, target) in layout.returns
        link.path = loop_path(link.source) if source == target else layout.paths[(source, target)]
        link.source.outgoing.append(link)
        links.append(link)
    trunks = [
        Trunk(nodes[target], path, is_return, sources_of(links, nodes[target], is_return))
        for is_return, paths in ((False, layout.trunks), (True, layout.return_trunks))
        for target, path in paths.items()
    ]

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
                node.broken_path = broken_stub(node)
        for shared, other in shared_overlaps(own):
            message = f"The shared “{shared.shared_set.name}” covers “{other.label}”"
            node.warnings.append(message + ".")
            warnings.append(f"{message} on “{screen.name}”: participants can tap only one.")
        if not any(goes_somewhere(hotspot, ids) for hotspot in own):
            dead_ends.append(screen)
            reason = "has no hotspots" if not own else "has no hotspot that leads anywhere"
            node.warnings.append(f"Dead end: this screen {reason}.")
            warnings.append(
                f"“{screen.name}” is a dead end: it {reason} and does not end the flow."
            )

    return FlowMap(
        nodes=list(nodes.values()),
        links=links,
        # Loops and broken links stick out of the last column.
        width=layout.width + BROKEN_STUB + 8,
        height=layout.height,
        warnings=warnings,
        unreachable=unreachable,
        dead_ends=dead_ends,
        broken=broken,
        trunks=trunks,
        crossings=layout.crossings,
    )


def sources_of(links, target, is_return):
    return [
        link.source.screen.pk
        for link in links
        if link.target is target and link.is_return == is_return and link.source is not target
    ]


def loop_path(node):
    right = node.x + node.width
    top = node.y + node.height * 0.2
    bottom = node.y + node.height * 0.45
    return (
        f"M {right:.1f} {top:.1f} C {right + 40:.1f} {top - 16:.1f} "
        f"{right + 40:.1f} {bottom + 16:.1f} {right + 4:.1f} {bottom:.1f}"
    )


def broken_stub(node):
    """A short line from the screen's right side, ending in a cross where a deleted screen was."""
    y = node.y + node.height * 0.8
    end = node.x + node.width + BROKEN_STUB
    return (
        f"M {end - BROKEN_STUB:.1f} {y:.1f} H {end:.1f} "
        f"M {end - 5:.1f} {y - 5:.1f} l 10 10 M {end + 5:.1f} {y - 5:.1f} l -10 10"
    )


def shared_overlaps(hotspots):
    """Pairs (a shared hotspot, another hotspot of the screen that it covers in part), once
    for each shared set and hotspot it covers."""
    pairs = {}
    for shared in hotspots:
        if shared.shared_set_id is None:
            continue
        for other in hotspots:
            if other.shared_set_id == shared.shared_set_id or (
                other.shared_set_id and other.pk < shared.pk
            ):
                continue
            if (
                shared.x < other.x + other.width
                and other.x < shared.x + shared.width
                and shared.y < other.y + other.height
                and other.y < shared.y + shared.height
            ):
                pairs.setdefault((shared.shared_set_id, other.pk), (shared, other))
    return list(pairs.values())


def goes_somewhere(hotspot, ids):
    if hotspot.action == Hotspot.Action.GO_TO:
        return hotspot.target_id in ids
    return True  # Going back and ending the flow are both ways out.


def highlight_path(flow, screen_ids):
    """Mark the screens of a path (screen ids in order) and the links and arrows along it."""
    steps = set(zip(screen_ids, screen_ids[1:], strict=False))
    for node in flow.nodes:
        node.on_path = node.screen.pk in screen_ids
    for link in flow.links:
        link.on_path = (link.source.screen.pk, link.target.screen.pk) in steps
    for trunk in flow.trunks:
        trunk.on_path = any((source, trunk.target.screen.pk) in steps for source in trunk.sources)
