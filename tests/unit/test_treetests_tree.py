import pytest

from prototypes.treetests.tree import (
    MAX_DEPTH,
    MAX_NODES,
    Label,
    TreeRefused,
    as_indented,
    parse_csv,
    parse_indented,
)


def test_an_indented_outline_gives_labels_with_depth_and_parent():
    labels = parse_indented("Shop\n  Women\n    Shoes\n  Men\n\nHelp\n  Returns\n")
    assert [(label.text, label.depth, label.parent) for label in labels] == [
        ("Shop", 0, None),
        ("Women", 1, 0),
        ("Shoes", 2, 1),
        ("Men", 1, 0),
        ("Help", 0, None),
        ("Returns", 1, 4),
    ]
    assert as_indented(labels) == "Shop\n  Women\n    Shoes\n  Men\nHelp\n  Returns"


def test_tabs_are_one_level_each():
    labels = parse_indented("Shop\n\tWomen\n\t\tShoes\n")
    assert [label.depth for label in labels] == [0, 1, 2]


def test_a_csv_of_paths_creates_missing_ancestors_once():
    data = b"Shop,Women,Shoes\nShop,Women,Bags\nShop,Men,,\nHelp\n"
    labels = parse_csv(data)
    assert [(label.text, label.parent) for label in labels] == [
        ("Shop", None),
        ("Women", 0),
        ("Shoes", 1),
        ("Bags", 1),
        ("Men", 0),
        ("Help", None),
    ]


def test_a_windows_1252_csv_is_read():
    labels = parse_csv("Café,Thé\n".encode("cp1252"))
    assert [label.text for label in labels] == ["Café", "Thé"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Shop\n    Shoes\n", "Line 2 is indented two levels deeper"),
        ("Shop\n   Shoes\n", "indented by 3 spaces"),
        ("Shop\n \tShoes\n", "both tabs and spaces"),
        ("Shop\n  Shoes\n  shoes\n", "Line 3: “shoes” appears twice under “Shop”"),
        ("Help\nHelp\n", "appears twice at the top level"),
        ("", "The tree is empty"),
        ("x" * 201, "at most 200 characters"),
    ],
)
def test_a_tree_that_cannot_be_read_is_refused_with_the_line_at_fault(text, message):
    with pytest.raises(TreeRefused, match=message):
        parse_indented(text)


def test_a_tree_with_ten_thousand_labels_is_refused():
    text = "\n".join(f"Label {number}" for number in range(10_000))
    with pytest.raises(TreeRefused, match=f"more than {MAX_NODES:,} labels"):
        parse_indented(text)


def test_a_tree_twenty_levels_deep_is_refused():
    text = "\n".join("  " * depth + f"Level {depth}" for depth in range(20))
    with pytest.raises(TreeRefused, match=f"Line {MAX_DEPTH + 1} is {MAX_DEPTH + 1} levels deep"):
        parse_indented(text)
    row = ",".join(f"Level {depth}" for depth in range(20)).encode()
    with pytest.raises(TreeRefused, match="levels deep"):
        parse_csv(row)


def test_an_empty_label_in_a_csv_path_is_refused():
    with pytest.raises(TreeRefused, match="Line 2 has an empty label"):
        parse_csv(b"Shop,Women\nShop,,Shoes\n")


def test_a_csv_mixing_two_encodings_is_refused_naming_a_line():
    data = "Café,Thé\n".encode("cp1252") + "Crème,Brûlée\n".encode()
    with pytest.raises(TreeRefused, match=r"mixes two text encodings \(line 2 is UTF-8"):
        parse_csv(data)


def test_labels_keep_the_line_they_were_written_on():
    assert parse_indented("\nShop\n")[0] == Label("Shop", 0, None, 2)
