import math

import pytest

from prototypes import analysis
from prototypes.treetests.analysis import (
    Journey,
    Node,
    Tree,
    backtracked,
    first_top_level,
    journeys_from_steps,
    tree_task_result,
    verdict,
)

# Home › Shop › Women › Shoes, Shop › Men › Shoes, Help › Returns, Account › Orders
TREE = Tree(
    [
        Node(1, "Shop", None),
        Node(2, "Women", 1),
        Node(3, "Shoes", 2),
        Node(4, "Men", 1),
        Node(5, "Shoes", 4),
        Node(6, "Help", None),
        Node(7, "Returns", 6),
        Node(8, "Account", None),
        Node(9, "Orders", 8),
    ]
)
RETURNS = {7}
# Hand-worked set of five participants asked where to return shoes:
JOURNEYS = [
    Journey(1, (6, 7), 7, 10.0),  # straight there: direct success, first click right
    Journey(2, (1, 4, 1, None, 6, 7), 7, 40.0),  # back up twice: indirect success
    Journey(3, (8, 9), 9, 12.0),  # direct failure
    Journey(4, (1, 2, 3), 3, 15.0),  # direct failure
    Journey(5, (), None, 3.0),  # skipped without opening anything
]


def test_a_journey_backtracks_when_it_goes_up_or_sideways():
    assert not backtracked(JOURNEYS[0], TREE)
    assert backtracked(JOURNEYS[1], TREE)
    assert backtracked(Journey(9, (1, 6), 6), TREE)  # sideways: Shop to Help
    assert not backtracked(Journey(9, (None, 1), 1), TREE)  # the top level first is no move


def test_the_first_click_is_the_top_level_label_opened_first():
    assert first_top_level(JOURNEYS[1], TREE) == 1
    assert first_top_level(Journey(9, (None,), None), TREE) is None


def test_success_directness_and_first_click_match_the_hand_worked_figures():
    result = tree_task_result(TREE, RETURNS, JOURNEYS, confidence=0.95)
    assert result.n == 5
    assert result.success.value == pytest.approx(2 / 5)
    assert result.direct_success.value == pytest.approx(1 / 5)
    assert result.indirect_success_rate == pytest.approx(1 / 5)
    assert result.failure_rate == pytest.approx(2 / 5)
    assert result.skip_rate == pytest.approx(1 / 5)
    assert result.directness.value == pytest.approx(4 / 5)
    # Four opened a top-level label first (Help, Shop, Account, Shop); one chose Help.
    assert (result.first_click.successes, result.first_click.trials) == (1, 4)
    assert result.first_clicks == ((1, 2, False), (6, 1, True), (8, 1, False))
    # Successes only: geometric mean of 10 s and 40 s.
    assert result.time.value == pytest.approx(20.0)
    assert result.median_seconds == pytest.approx(25.0)


def test_intervals_are_the_adjusted_wald_intervals_of_the_stats_module():
    from prototypes import stats

    result = tree_task_result(TREE, RETURNS, JOURNEYS, confidence=0.9)
    assert (result.success.low, result.success.high) == stats.completion_interval(2, 5, 0.9)


def test_the_destinations_table_counts_every_choice_and_the_skips():
    result = tree_task_result(TREE, RETURNS, JOURNEYS)
    rows = [(row.node, row.count, row.correct) for row in result.destinations]
    assert rows == [(7, 2, True), (None, 1, False), (3, 1, False), (9, 1, False)]
    assert math.fsum(row.share for row in result.destinations) == pytest.approx(1.0)


def test_the_pie_tree_counts_people_once_per_node_and_next_move():
    pie = {row.node: row for row in tree_task_result(TREE, RETURNS, JOURNEYS).pie}
    assert (pie[None].visits, pie[None].deeper, pie[None].back) == (5, 4, 0)
    assert (pie[1].visits, pie[1].deeper, pie[1].back, pie[1].chose) == (2, 2, 1, 0)
    assert (pie[4].visits, pie[4].deeper, pie[4].back) == (1, 0, 1)
    assert (pie[7].visits, pie[7].chose) == (2, 2)
    assert {node for node, row in pie.items() if row.on_correct_path} == {None, 6, 7}
    assert 5 not in pie  # nobody visited Men › Shoes


def test_a_success_criterion_is_judged_by_the_shared_verdict_rules():
    criterion = analysis.Criterion("completion_rate", analysis.AT_LEAST, 0.7, True)
    result = tree_task_result(TREE, RETURNS, JOURNEYS * 10)
    expected = analysis.judge_estimate(criterion, result.success, 0.95)
    assert verdict(criterion, result) == expected
    assert expected.verdict == analysis.FAIL


def test_no_journeys_gives_no_figures_rather_than_zeros():
    result = tree_task_result(TREE, RETURNS, [])
    assert result.success is None and result.first_click is None and result.time is None
    assert result.pie == () and result.destinations == ()


def test_journeys_are_rebuilt_from_the_events_of_each_session_up_to_the_choice():
    steps = {
        11: [("open", 6, 1.0), ("open", 7, 2.0), ("choose", 7, 4.5), ("open", 1, 9.0)],
        12: [("open", 1, 1.0), ("back", None, 2.0), ("skip", None, 3.0)],
    }
    assert journeys_from_steps(steps) == [
        Journey(11, (6, 7), 7, 4.5),
        Journey(12, (1, None), None, 3.0),
    ]
