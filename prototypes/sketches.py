"""Hand-drawn-looking wireframes, used for the demo prototype and in tests.

A screen is a title and a list of elements (plain dicts). `layout_screen` places them and
`draw_screen` draws them from that same layout, so the hotspots suggested by `screen_hotspots`
sit exactly over the drawn buttons. Jitter comes from a random generator seeded with the title:
the same screen always draws the same pixels.

Element kinds (keys besides "kind"):
- heading: text
- label: text
- text: lines (fake text, drawn as gray scribbles)
- image: height (placeholder box with a cross)
- input: label, height (optional, default 48)
- button: label, target or action
- row: label, detail (optional), target or action (a tappable list row with a chevron)
- steps: steps (list of names), current (index of the step in progress)
- back: target or action (a "< Back" button in the header)
- tabs: items (list of {label, target or action}), pinned to the bottom

An element is tappable when it has a "target" (the name of another screen) or an "action"
("back" or "end").
"""

import math
import random

from PIL import Image, ImageDraw, ImageFont

SCREEN_SIZE = (390, 844)
PAPER = (250, 247, 238)
INK = (40, 40, 52)
PENCIL = (150, 150, 160)
MARGIN = 24
HEADER_HEIGHT = 72
CONTENT_TOP = HEADER_HEIGHT + 24
# Tappable boxes are kept this far apart so a hotspot never touches its neighbour's ink.
GAP = 16
TAB_BAR_HEIGHT = 64
STEP_HEIGHT = 40

# How far a wobbly line may stray from its ideal path, in pixels.
WOBBLE = 1.5
OVERSHOOT = 2.0

HEIGHTS = {
    "heading": 32,
    "label": 24,
    "button": 52,
    "row": 60,
}


def layout_screen(elements, size=SCREEN_SIZE):
    """Return (element, box) pairs in drawing order; box is (left, top, right, bottom) pixels.

    Tabs expand to one ("tab" element, box) pair per item.
    """
    width, height = size
    placed = []
    top = CONTENT_TOP
    for element in elements:
        kind = element["kind"]
        if kind == "back":
            placed.append((element, (12, 18, 100, HEADER_HEIGHT - 16)))
        elif kind == "tabs":
            items = element["items"]
            tab_top = height - 16 - TAB_BAR_HEIGHT
            tab_width = (width - 2 * MARGIN - GAP * (len(items) - 1)) / len(items)
            for index, item in enumerate(items):
                left = round(MARGIN + index * (tab_width + GAP))
                right = round(MARGIN + index * (tab_width + GAP) + tab_width)
                placed.append(({"kind": "tab", **item}, (left, tab_top, right, height - 16)))
        else:
            element_height = _element_height(element)
            placed.append((element, (MARGIN, top, width - MARGIN, top + element_height)))
            top += element_height + GAP
    bottom = max((box[3] for element, box in placed if element["kind"] != "tab"), default=0)
    room = min((box[1] for element, box in placed if element["kind"] == "tab"), default=height)
    if bottom + GAP > room:
        raise ValueError(f"The elements need {bottom + GAP} pixels; there are {room}.")
    return placed


def draw_screen(title, elements, size=SCREEN_SIZE):
    """Draw a wireframe of the screen on off-white paper, as if sketched with a pen."""
    image = Image.new("RGB", size, PAPER)
    pen = _Pen(ImageDraw.Draw(image), random.Random(title))
    width, _ = size
    pen.text((width / 2, HEADER_HEIGHT / 2), title, size=22, anchor="mm")
    pen.line((8, HEADER_HEIGHT), (width - 8, HEADER_HEIGHT))
    for element, box in layout_screen(elements, size):
        _DRAWERS[element["kind"]](pen, element, box)
    return image


def screen_hotspots(elements, size=SCREEN_SIZE):
    """Hotspots over the tappable elements, as fractions of the screen size."""
    width, height = size
    hotspots = []
    for element, (left, top, right, bottom) in layout_screen(elements, size):
        if "target" not in element and "action" not in element:
            continue
        hotspots.append(
            {
                "x": round(left / width, 4),
                "y": round(top / height, 4),
                "w": round((right - left) / width, 4),
                "h": round((bottom - top) / height, 4),
                "label": element.get("label", "Back"),
                "target_screen_name": element.get("target"),
                "action": element.get("action"),
            }
        )
    return hotspots


def demo_shop_screens():
    """The screens of a small shop app for testing the "where is my order?" flow.

    Returns (name, image, hotspots) for each screen; hotspots name their target screen by name,
    or carry the action "back" or "end" (the participant reached the goal).
    """
    return [
        (name, draw_screen(name, elements), screen_hotspots(elements))
        for name, elements in DEMO_SHOP
    ]


def demo_shop_tracking_home():
    """Concept B of the demo shop's Home: the latest order's delivery day on a card that opens
    the order. Returns (image, hotspots) as demo_shop_screens does for each screen."""
    name, elements = DEMO_SHOP[0]
    card = {
        "kind": "row",
        "label": "Your parcel arrives Tuesday",
        "detail": "Track order 1042",
        "target": "Order detail",
    }
    elements = [elements[0], card, *elements[1:]]
    return draw_screen(name, elements), screen_hotspots(elements)


def _tab_bar(current):
    return {
        "kind": "tabs",
        "items": [
            {"label": name, "target": name} if name != current else {"label": name}
            for name in ("Home", "Help", "Account")
        ],
    }


BACK = {"kind": "back", "action": "back"}

DEMO_SHOP = [
    (
        "Home",
        [
            {"kind": "input", "label": "Search products"},
            {"kind": "image", "height": 170},
            {"kind": "heading", "text": "Popular this week"},
            {"kind": "text", "lines": 3},
            {"kind": "row", "label": "Running shoes", "detail": "From 89 EUR"},
            {"kind": "row", "label": "Rain jacket", "detail": "New colours"},
            _tab_bar("Home"),
        ],
    ),
    (
        "Account",
        [
            BACK,
            {"kind": "heading", "text": "Hi, Sam"},
            {"kind": "text", "lines": 2},
            {
                "kind": "row",
                "label": "My orders",
                "detail": "Track, return or buy again",
                "target": "Orders",
            },
            {"kind": "row", "label": "Addresses"},
            {"kind": "row", "label": "Payment methods"},
            {"kind": "row", "label": "Help and contact", "target": "Help"},
            _tab_bar("Account"),
        ],
    ),
    (
        "Orders",
        [
            BACK,
            {"kind": "heading", "text": "Your orders"},
            {
                "kind": "row",
                "label": "Order 1042",
                "detail": "Running shoes - out for delivery",
                "target": "Order detail",
            },
            {"kind": "row", "label": "Order 1017", "detail": "Rain jacket - delivered"},
            {"kind": "row", "label": "Order 0988", "detail": "Socks - delivered"},
            {"kind": "text", "lines": 2},
            _tab_bar(None),
        ],
    ),
    (
        "Order detail",
        [
            BACK,
            {"kind": "heading", "text": "Order 1042"},
            {"kind": "image", "height": 120},
            {"kind": "label", "text": "Arriving today before 6 pm"},
            {
                "kind": "steps",
                "steps": ["Ordered", "Shipped", "Out for delivery", "Delivered"],
                "current": 2,
            },
            {"kind": "button", "label": "Track parcel", "action": "end"},
            {"kind": "button", "label": "Get help with this order", "target": "Help"},
        ],
    ),
    (
        "Help",
        [
            BACK,
            {"kind": "heading", "text": "How can we help?"},
            {"kind": "row", "label": "Where is my order?", "target": "Orders"},
            {"kind": "row", "label": "Returns and refunds"},
            {"kind": "row", "label": "Payment problems"},
            {"kind": "button", "label": "Contact us", "target": "Contact"},
            _tab_bar("Help"),
        ],
    ),
    (
        "Contact",
        [
            BACK,
            {"kind": "heading", "text": "Contact us"},
            {"kind": "text", "lines": 2},
            {"kind": "input", "label": "Order number"},
            {"kind": "input", "label": "Your message", "height": 140},
            {"kind": "button", "label": "Send message", "action": "end"},
        ],
    ),
]


def _element_height(element):
    kind = element["kind"]
    if kind == "text":
        return 20 * element["lines"]
    if kind == "image":
        return element["height"]
    if kind == "input":
        return element.get("height", 48)
    if kind == "steps":
        return STEP_HEIGHT * len(element["steps"])
    return HEIGHTS[kind]


class _Pen:
    """Draws with a slightly unsteady hand; all randomness comes from one seeded generator."""

    def __init__(self, draw, rng):
        self.draw = draw
        self.rng = rng

    def line(self, start, end, width=3, color=INK):
        (x0, y0), (x1, y1) = start, end
        length = math.hypot(x1 - x0, y1 - y0)
        if length == 0:
            return
        along = ((x1 - x0) / length, (y1 - y0) / length)
        across = (-along[1], along[0])
        # Hand-drawn strokes start a little early and stop a little late.
        begin = -self.rng.uniform(0, OVERSHOOT)
        finish = length + self.rng.uniform(0, OVERSHOOT)
        steps = max(2, int(length / 14))
        offset = self.rng.uniform(-WOBBLE, WOBBLE)
        points = []
        for step in range(steps + 1):
            distance = begin + (finish - begin) * step / steps
            offset = max(-WOBBLE, min(WOBBLE, offset + self.rng.uniform(-0.7, 0.7)))
            points.append(
                (
                    x0 + along[0] * distance + across[0] * offset,
                    y0 + along[1] * distance + across[1] * offset,
                )
            )
        self.draw.line(points, fill=color, width=width, joint="curve")

    def box(self, left, top, right, bottom, width=3):
        self.line((left, top), (right, top), width)
        self.line((right, top), (right, bottom), width)
        self.line((right, bottom), (left, bottom), width)
        self.line((left, bottom), (left, top), width)

    def text(self, position, text, size=16, anchor="la", color=INK):
        font = ImageFont.load_default(size=size)
        self.draw.text(position, text, fill=color, font=font, anchor=anchor)

    def scribble(self, left, y, right):
        """A pencil stroke standing in for a line of text."""
        end = left + (right - left) * self.rng.uniform(0.45, 0.95)
        self.line((left, y), (end, y), width=4, color=PENCIL)

    def circle(self, centre, radius, filled):
        x, y = centre
        bounds = (x - radius, y - radius, x + radius, y + radius)
        self.draw.ellipse(bounds, outline=INK, width=3, fill=INK if filled else None)

    def chevron(self, x, y):
        self.line((x - 5, y - 8), (x + 3, y), width=3)
        self.line((x + 3, y), (x - 5, y + 8), width=3)


def _draw_heading(pen, element, box):
    pen.text((box[0], box[1] + 16), element["text"], size=22, anchor="lm")


def _draw_label(pen, element, box):
    pen.text((box[0], box[1] + 12), element["text"], anchor="lm")


def _draw_text(pen, element, box):
    left, top, right, _ = box
    for index in range(element["lines"]):
        pen.scribble(left, top + 10 + 20 * index, right)


def _draw_image(pen, element, box):
    left, top, right, bottom = box
    pen.box(left, top, right, bottom)
    pen.line((left, top), (right, bottom), width=2)
    pen.line((left, bottom), (right, top), width=2)


def _draw_input(pen, element, box):
    left, top, right, bottom = box
    pen.box(left, top, right, bottom, width=2)
    pen.text((left + 12, top + 24), element["label"], color=PENCIL, anchor="lm")


def _draw_button(pen, element, box):
    left, top, right, bottom = box
    pen.box(left, top, right, bottom)
    pen.text(((left + right) / 2, (top + bottom) / 2), element["label"], size=18, anchor="mm")


def _draw_row(pen, element, box):
    left, top, right, bottom = box
    pen.box(left, top, right, bottom)
    if element.get("detail"):
        pen.text((left + 14, top + 20), element["label"], anchor="lm")
        pen.text((left + 14, top + 42), element["detail"], size=13, color=PENCIL, anchor="lm")
    else:
        pen.text((left + 14, (top + bottom) / 2), element["label"], anchor="lm")
    pen.chevron(right - 20, (top + bottom) / 2)


def _draw_steps(pen, element, box):
    left, top, _, _ = box
    centre_x = left + 14
    for index, name in enumerate(element["steps"]):
        centre_y = top + STEP_HEIGHT * index + STEP_HEIGHT / 2
        if index > 0:
            pen.line((centre_x, centre_y - STEP_HEIGHT + 10), (centre_x, centre_y - 10), width=2)
        pen.circle((centre_x, centre_y), 9, filled=index < element["current"])
        if index == element["current"]:
            pen.circle((centre_x, centre_y), 4, filled=True)
        size = 18 if index == element["current"] else 16
        color = INK if index <= element["current"] else PENCIL
        pen.text((left + 40, centre_y), name, size=size, color=color, anchor="lm")


def _draw_back(pen, element, box):
    left, top, right, bottom = box
    pen.box(left, top, right, bottom, width=2)
    middle = (top + bottom) / 2
    pen.line((left + 20, middle - 7), (left + 13, middle), width=2)
    pen.line((left + 13, middle), (left + 20, middle + 7), width=2)
    pen.text((left + 28, middle), "Back", anchor="lm")


def _draw_tab(pen, element, box):
    left, top, right, bottom = box
    # The current tab (the one without a target) is drawn heavier, like a selected state.
    pen.box(left, top, right, bottom, width=2 if "target" in element else 4)
    pen.text(((left + right) / 2, (top + bottom) / 2), element["label"], anchor="mm")


_DRAWERS = {
    "heading": _draw_heading,
    "label": _draw_label,
    "text": _draw_text,
    "image": _draw_image,
    "input": _draw_input,
    "button": _draw_button,
    "row": _draw_row,
    "steps": _draw_steps,
    "back": _draw_back,
    "tab": _draw_tab,
}
