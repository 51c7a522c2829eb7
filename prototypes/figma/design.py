"""What a Figma page holds for a paper prototype: its frames and their connections. Pure.

Reads the JSON of `GET /v1/files/:key` (nodes with `type`, `children`,
`absoluteBoundingBox`, and prototype connections as `reactions`, or the older
`transitionNodeID`). The top-level frames of a page, including those inside sections, become
screens; a layer with a tap connection becomes a hotspot on the frame it is in, its bounds
as fractions of the frame's.
"""

from dataclasses import dataclass, field

from prototypes.figma.client import FigmaError

# What a page can hold that is drawn as one screen.
FRAME_TYPES = {"FRAME", "COMPONENT", "COMPONENT_SET", "INSTANCE"}
# Triggers a participant sets off by tapping or clicking (null in files from before triggers).
TAP_TRIGGERS = {"ON_CLICK", "ON_PRESS", "ON_DRAG", None}
# Node actions that take the participant to another frame.
GO_TO_NAVIGATIONS = {"NAVIGATE", "SWAP", "OVERLAY", "CHANGE_TO", None}


@dataclass(frozen=True)
class Connection:
    node_id: str
    label: str
    x: float
    y: float
    width: float
    height: float
    action: str  # "goto" or "back", as Hotspot.Action
    destination: str = ""


@dataclass(frozen=True)
class Frame:
    node_id: str
    name: str
    x: float
    y: float
    width: float
    height: float
    connections: tuple = field(default=())


def pages(document):
    """The pages (canvases) of a file's document node."""
    return [node for node in document.get("children") or [] if node.get("type") == "CANVAS"]


def page_holding(document, node_id):
    """The page that is, or holds, `node_id`; the first page when there is no node id.

    `document` may be an outline (depth 2) or the ancestor chain that `ids` returns.
    """
    canvases = pages(document)
    if not canvases:
        raise FigmaError("This Figma file has no pages to import.")
    if not node_id:
        return canvases[0]
    for page in canvases:
        if page.get("id") == node_id or _holds(page, node_id):
            return page
    return None


def _holds(node, node_id):
    stack = list(node.get("children") or [])
    while stack:
        child = stack.pop()
        if child.get("id") == node_id:
            return True
        stack.extend(child.get("children") or [])
    return False


def frames(page, first=""):
    """The page's top-level frames with their connections, in reading order.

    Rows top to bottom, each left to right, as people lay out screens on a canvas; the frame
    named by `first` (a frame link), else the page's first flow starting point, comes first,
    as it is where the flow starts.
    """
    found = [_frame(node) for node in _top_level(page)]
    found = [frame for frame in found if frame is not None]
    ordered = _reading_order(found)
    starts = [first] + [point.get("nodeId") for point in page.get("flowStartingPoints") or []]
    for start in starts:
        chosen = [frame for frame in ordered if frame.node_id == start]
        if chosen:
            return chosen + [frame for frame in ordered if frame.node_id != start]
    return ordered


def _top_level(node):
    for child in node.get("children") or []:
        if child.get("visible") is False:
            continue
        if child.get("type") == "SECTION":
            yield from _top_level(child)
        elif child.get("type") in FRAME_TYPES:
            yield child


def _box(node):
    box = node.get("absoluteBoundingBox") or {}
    try:
        x, y, width, height = (float(box[key]) for key in ("x", "y", "width", "height"))
    except (KeyError, TypeError, ValueError):
        return None
    return x, y, width, height


def _frame(node):
    box = _box(node)
    if box is None or box[2] <= 0 or box[3] <= 0:
        return None
    frame = Frame(str(node["id"]), _name(node, "Screen"), *box)
    connections = []
    stack = [node]
    while stack:
        layer = stack.pop()
        connection = _connection(layer, frame)
        if connection is not None:
            connections.append(connection)
        # Children in reverse so the stack gives them back in layer order.
        stack.extend(
            child
            for child in reversed(layer.get("children") or [])
            if child.get("visible") is not False
        )
    return Frame(frame.node_id, frame.name, *box, connections=tuple(connections))


def _name(node, default):
    return (str(node.get("name") or "").strip() or default)[:120]


def _connection(node, frame):
    action, destination = _tap_action(node)
    if action is None:
        return None
    box = _box(node)
    if box is None:
        return None
    x, y, width, height = box
    left = _fraction(x - frame.x, frame.width)
    top = _fraction(y - frame.y, frame.height)
    right = _fraction(x + width - frame.x, frame.width)
    bottom = _fraction(y + height - frame.y, frame.height)
    if right <= left or bottom <= top:
        return None  # Wholly outside its frame: nothing a participant could tap.
    return Connection(
        node_id=str(node["id"]),
        label=_name(node, "Hotspot"),
        x=left,
        y=top,
        width=right - left,
        height=bottom - top,
        action=action,
        destination=destination,
    )


def _fraction(offset, size):
    return min(1.0, max(0.0, offset / size))


def _tap_action(node):
    """("goto", destination id) or ("back", "") for a node's first tap connection."""
    for reaction in node.get("reactions") or []:
        trigger = (reaction.get("trigger") or {}).get("type")
        if trigger not in TAP_TRIGGERS:
            continue
        actions = reaction.get("actions") or [reaction.get("action")]
        for action in actions:
            if not isinstance(action, dict):
                continue
            kind = action.get("type")
            if kind in ("BACK", "CLOSE"):
                return "back", ""
            destination = action.get("destinationId")
            if kind == "NODE" and destination and action.get("navigation") in GO_TO_NAVIGATIONS:
                return "goto", str(destination)
    destination = node.get("transitionNodeID")
    if destination:
        return "goto", str(destination)
    return None, ""


def _reading_order(found):
    """Rows top to bottom, left to right in each: a frame joins the row it overlaps by more
    than half its height."""
    rows = []
    for frame in sorted(found, key=lambda frame: (frame.y, frame.x)):
        row = rows[-1] if rows else None
        if row and frame.y < row[0].y + min(item.height for item in row) / 2:
            row.append(frame)
        else:
            rows.append([frame])
    return [frame for row in rows for frame in sorted(row, key=lambda frame: frame.x)]
