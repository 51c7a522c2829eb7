from collections import deque

import numpy
import pytest

from prototypes.sketches import (
    PAPER,
    SCREEN_SIZE,
    demo_shop_screens,
    draw_screen,
    layout_screen,
    screen_hotspots,
)

SCREEN = [
    {"kind": "back", "action": "back"},
    {"kind": "heading", "text": "Checkout"},
    {"kind": "text", "lines": 2},
    {"kind": "image", "height": 120},
    {"kind": "input", "label": "Card number"},
    {"kind": "row", "label": "Delivery", "detail": "Tomorrow", "target": "Delivery"},
    {"kind": "steps", "steps": ["Cart", "Pay", "Done"], "current": 1},
    {"kind": "button", "label": "Pay now", "action": "end"},
    {"kind": "tabs", "items": [{"label": "Shop", "target": "Shop"}, {"label": "Cart"}]},
]

INK_BELOW = 200  # luminance; paper is about 247, ink 41, pencil 151


@pytest.fixture(scope="module")
def demo():
    return demo_shop_screens()


def ink(image):
    return numpy.asarray(image.convert("L")) < INK_BELOW


def test_drawing_is_deterministic_and_seeded_by_the_title():
    first = draw_screen("Checkout", SCREEN)
    again = draw_screen("Checkout", SCREEN)
    other_title = draw_screen("Checkout ", SCREEN)

    assert first.tobytes() == again.tobytes()
    # Same layout, different wobble.
    assert first.tobytes() != other_title.tobytes()


def test_screen_is_a_phone_sized_sheet_of_off_white_paper():
    image = draw_screen("Checkout", SCREEN)

    assert image.mode == "RGB"
    assert image.size == SCREEN_SIZE == (390, 844)
    assert image.getpixel((2, 300)) == PAPER
    assert draw_screen("Tablet", SCREEN[1:3], size=(768, 1024)).size == (768, 1024)


def test_layout_refuses_more_elements_than_fit():
    too_many = [{"kind": "image", "height": 200}] * 4 + [SCREEN[-1]]

    with pytest.raises(ValueError, match="The elements need"):
        layout_screen(too_many)


def test_hotspots_come_from_the_tappable_elements_in_order():
    hotspots = screen_hotspots(SCREEN)

    assert [(h["label"], h["target_screen_name"], h["action"]) for h in hotspots] == [
        ("Back", None, "back"),
        ("Delivery", "Delivery", None),
        ("Pay now", None, "end"),
        ("Shop", "Shop", None),
    ]


def assert_hotspot_sits_on_a_drawn_box(image, hotspot, where):
    """Ink runs along all four edges of the hotspot, and blank paper surrounds it."""
    width, height = image.size
    drawn = ink(image)
    left = round(hotspot["x"] * width)
    top = round(hotspot["y"] * height)
    right = round((hotspot["x"] + hotspot["w"]) * width)
    bottom = round((hotspot["y"] + hotspot["h"]) * height)
    band = 4
    xs = range(left + (right - left) // 10, right - (right - left) // 10)
    ys = range(top + (bottom - top) // 10, bottom - (bottom - top) // 10)
    edges = {
        "top": [drawn[top - band : top + band + 1, x].any() for x in xs],
        "bottom": [drawn[bottom - band : bottom + band + 1, x].any() for x in xs],
        "left": [drawn[y, left - band : left + band + 1].any() for y in ys],
        "right": [drawn[y, right - band : right + band + 1].any() for y in ys],
    }
    for edge, inked in edges.items():
        assert all(inked), f"{where}: the {edge} edge of the hotspot is not drawn"

    ring = numpy.zeros_like(drawn)
    outer = (slice(max(top - 10, 0), bottom + 11), slice(max(left - 10, 0), right + 11))
    inner = (slice(top - 6, bottom + 7), slice(left - 6, right + 7))
    ring[outer] = True
    ring[inner] = False
    assert not (drawn & ring).any(), f"{where}: ink just outside the hotspot"


def test_demo_hotspots_sit_exactly_on_the_drawn_buttons(demo):
    for name, image, hotspots in demo:
        assert hotspots, name
        for hotspot in hotspots:
            assert_hotspot_sits_on_a_drawn_box(image, hotspot, f"{name} / {hotspot['label']}")


def test_demo_hotspots_are_fractions_with_one_destination(demo):
    names = {name for name, _, _ in demo}
    for name, _, hotspots in demo:
        for hotspot in hotspots:
            assert hotspot["x"] >= 0 and hotspot["x"] + hotspot["w"] <= 1, name
            assert hotspot["y"] >= 0 and hotspot["y"] + hotspot["h"] <= 1, name
            assert hotspot["w"] > 0 and hotspot["h"] > 0, name
            if hotspot["action"] is None:
                assert hotspot["target_screen_name"] in names - {name}, name
            else:
                assert hotspot["target_screen_name"] is None, name
                assert hotspot["action"] in ("back", "end"), name


def test_demo_is_a_where_is_my_order_flow_from_home_to_the_goal(demo):
    assert [name for name, _, _ in demo] == [
        "Home",
        "Account",
        "Orders",
        "Order detail",
        "Help",
        "Contact",
    ]
    links = {name: [h["target_screen_name"] for h in hotspots] for name, _, hotspots in demo}
    ends = {name for name, _, hotspots in demo if any(h["action"] == "end" for h in hotspots)}

    reached = {"Home"}
    queue = deque(["Home"])
    while queue:
        for target in links[queue.popleft()]:
            if target and target not in reached:
                reached.add(target)
                queue.append(target)

    assert reached == set(links)
    assert "Order detail" in ends
    [order_detail] = [hotspots for name, _, hotspots in demo if name == "Order detail"]
    assert [h["label"] for h in order_detail if h["action"] == "end"] == ["Track parcel"]


def test_demo_is_deterministic(demo):
    again = demo_shop_screens()

    for (name, image, hotspots), (name_again, image_again, hotspots_again) in zip(
        demo, again, strict=True
    ):
        assert name == name_again
        assert image.tobytes() == image_again.tobytes()
        assert hotspots == hotspots_again
