import numpy as np
import pytest
from scipy.cluster import hierarchy
from scipy.spatial.distance import squareform

from prototypes.cardsorts.analysis import (
    UNSORTED,
    agreement,
    clusters,
    dendrogram,
    open_sort_groups,
    placement_matrix,
    similarity,
    standard_name,
    standardise,
)

# Cards: 0 Apples, 1 Pears, 2 Shoes, 3 Boots; three participants, the third left Shoes out.
SORT = [
    [0, 0, 1, 1],
    [0, 0, 0, 1],
    [0, 1, UNSORTED, 1],
]


def test_the_similarity_matrix_matches_the_hand_worked_shares():
    result = similarity(SORT)
    expected = np.array(
        [
            [1, 2 / 3, 1 / 2, 0],
            [2 / 3, 1, 1 / 2, 1 / 3],
            [1 / 2, 1 / 2, 1, 1 / 2],
            [0, 1 / 3, 1 / 2, 1],
        ]
    )
    np.testing.assert_allclose(result.share, expected)
    assert result.together[0, 1] == 2 and result.both[0, 1] == 3
    assert result.both[0, 2] == 2  # only two participants sorted Shoes


def test_the_similarity_of_a_large_random_sort_matches_counting_pair_by_pair():
    rng = np.random.default_rng(7)
    groups = rng.integers(-1, 5, size=(40, 12))
    result = similarity(groups)
    for a in range(12):
        for b in range(12):
            if a == b:
                continue
            both = [(row[a], row[b]) for row in groups if row[a] >= 0 and row[b] >= 0]
            together = sum(1 for x, y in both if x == y)
            assert result.together[a, b] == together
            assert result.share[a, b] == pytest.approx(together / len(both) if both else 0)


def test_the_dendrogram_order_is_scipys_average_linkage_order():
    rng = np.random.default_rng(3)
    groups = rng.integers(0, 4, size=(25, 15))
    share = similarity(groups).share
    ours = dendrogram(share)
    reference = hierarchy.dendrogram(
        hierarchy.linkage(squareform(1 - share, checks=False), method="average"), no_plot=True
    )
    assert list(ours.order) == reference["leaves"]


def test_cards_always_sorted_together_are_merged_first_and_cluster_together():
    groups = [[0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [1, 1, 0, 0, 0]]
    result = dendrogram(similarity(groups).share)
    assert result.linkage[0][2] == pytest.approx(0.0)  # a pair at distance 0 merges first
    assert clusters(result.linkage, 5, 0.5) == [[2, 3, 4], [0, 1]]


def test_the_placement_matrix_and_agreement_match_the_hand_worked_figures():
    placements = placement_matrix(SORT, 2)  # categories: 0 Fruit, 1 Footwear
    assert placements.tolist() == [[3, 0], [2, 1], [1, 1], [0, 3]]
    # Fruit is the top category of Apples, Pears and Shoes (a tie goes to the first):
    # (3/3 + 2/3 + 1/2) / 3; Footwear that of Boots: 3/3.
    assert agreement(placements) == pytest.approx([(1 + 2 / 3 + 1 / 2) / 3, 1.0])


def test_a_category_no_card_went_to_most_often_has_no_agreement():
    placements = placement_matrix([[0, 0], [0, 0]], 3)
    assert agreement(placements) == [1.0, None, None]


def test_group_names_that_differ_only_by_case_punctuation_or_my_are_one_group():
    assert standard_name("My account") == standard_name(" account!") == "account"
    mapping = standardise(["Account", "My account", "Account", "Help & FAQ", "help faq"])
    assert mapping["My account"] == "Account"
    assert mapping["help faq"] == mapping["Help & FAQ"]


def test_a_designers_merge_overrides_the_automatic_standard():
    mapping = standardise(["Account", "Profile"], merges={"Profile": "Account"})
    assert mapping == {"Account": "Account", "Profile": "Account"}


def test_open_sorts_become_standard_groups_for_the_placement_matrix():
    sorts = [{0: "Fruit", 1: "fruit", 2: "Shoes"}, {0: "My fruit", 2: None}]
    groups, names = open_sort_groups(sorts, 3)
    assert names == ["Fruit", "Shoes"]
    assert groups.tolist() == [[0, 0, 1], [0, UNSORTED, UNSORTED]]


def test_empty_sorts_give_empty_matrices():
    assert similarity(np.zeros((0, 3), dtype=int)).share.shape == (3, 3)
    assert dendrogram(np.ones((1, 1))).order == (0,)
