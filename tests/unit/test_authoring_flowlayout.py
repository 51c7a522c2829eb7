"""The flow map's layered layout: pure functions, no database."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from prototypes.authoring.flowlayout import count_crossings, layered_layout

SIZE = (70, 150)
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def path_points(path):
    """The absolute x, y pairs of a path made of M, L, H, V, C and Q commands."""
    tokens = re.findall(r"[MLHVCQl]|-?\d+(?:\.\d+)?", path)
    points, x, y, command = [], 0.0, 0.0, "M"
    numbers = []
    for token in tokens + ["M"]:
        if token.isalpha():
            if command in "MLCQ":
                for index in range(0, len(numbers) - 1, 2):
                    points.append((numbers[index], numbers[index + 1]))
                if len(numbers) >= 2:
                    x, y = numbers[-2], numbers[-1]
            elif command == "H" and numbers:
                x = numbers[-1]
                points.append((x, y))
            elif command == "V" and numbers:
                y = numbers[-1]
                points.append((x, y))
            elif command == "l" and len(numbers) >= 2:
                x, y = x + numbers[0], y + numbers[1]
                points.append((x, y))
            command, numbers = token, []
        else:
            numbers.append(float(token))
    return points


def assert_inside(layout):
    for node, box in layout.boxes.items():
        assert box.x >= 0 and box.right <= layout.width, node
        assert box.y >= 0 and box.bottom <= layout.height, node
    for path in [*layout.paths.values(), *layout.trunks.values(), *layout.return_trunks.values()]:
        for x, y in path_points(path):
            assert 0 <= x <= layout.width and 0 <= y <= layout.height, path


def test_barycentre_ordering_removes_the_crossing_that_screen_order_makes():
    # In screen order, column 2 holds D above E; B (above C) leads to E and C to D: crossed.
    nodes = ["A", "B", "C", "D", "E"]
    edges = [("A", "B"), ("A", "C"), ("B", "E"), ("C", "D")]
    in_screen_order = [["A"], ["B", "C"], ["D", "E"]]
    assert count_crossings(in_screen_order, edges) == 1
    layout = layered_layout(nodes, edges, size=SIZE)
    assert layout.crossings == 0
    assert layout.layers == [["A"], ["B", "C"], ["E", "D"]]
    assert_inside(layout)


DEMO_SHOP = {
    "Home": ["Home", "Help", "Account"],
    "Account": ["Orders", "Help", "Home", "Help", "Account"],
    "Orders": ["Order detail", "Home", "Help", "Account"],
    "Order detail": ["Help", "Home", "Help", "Account"],
    "Help": ["Orders", "Contact", "Home", "Help", "Account"],
    "Contact": [],
}


def test_the_demo_shop_flows_left_to_right_with_returns_apart():
    edges = [(source, target) for source, targets in DEMO_SHOP.items() for target in targets]
    layout = layered_layout(list(DEMO_SHOP), edges, size=SIZE)
    assert layout.layer == {
        "Home": 0,
        "Account": 1,
        "Orders": 2,
        "Order detail": 3,
        "Help": 4,
        "Contact": 5,
    }
    assert layout.crossings == 0
    assert ("Help", "Orders") in layout.returns and ("Orders", "Home") in layout.returns
    for source, target in edges:
        if source != target and (source, target) not in layout.returns:
            assert layout.layer[target] > layout.layer[source]
    assert_inside(layout)


def test_forward_edges_into_a_node_meet_at_one_point_before_it():
    edges = [("A", "B"), ("A", "C"), ("B", "D"), ("C", "D"), ("A", "D")]
    layout = layered_layout(["A", "B", "C", "D"], edges, size=SIZE)
    ends = {
        path.split()[-2:][0] + " " + path.split()[-1]
        for (s, t), path in layout.paths.items()
        if t == "D"
    }
    assert len(ends) == 1
    assert set(layout.trunks) == {"B", "C", "D"}


def test_unreached_screens_get_a_column_of_their_own():
    layout = layered_layout(["A", "B", "Lost"], [("A", "B"), ("Lost", "A")], size=SIZE)
    assert layout.layer == {"A": 0, "B": 1, "Lost": 2}
    assert_inside(layout)


def test_a_long_chain_is_laid_out_without_recursion():
    nodes = list(range(2000))
    layout = layered_layout(nodes, list(zip(nodes, nodes[1:], strict=False)), size=SIZE)
    assert layout.layer[1999] == 1999


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=1, max_value=10).flatmap(
        lambda count: st.tuples(
            st.just(count),
            st.lists(
                st.tuples(
                    st.integers(min_value=0, max_value=count - 1),
                    st.integers(min_value=0, max_value=count - 1),
                ),
                max_size=30,
            ),
        )
    )
)
def test_every_node_and_link_is_inside_the_view_box(graph):
    count, edges = graph
    layout = layered_layout(list(range(count)), edges, size=SIZE)
    assert_inside(layout)
    assert set(layout.boxes) == set(range(count))
