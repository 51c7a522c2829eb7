"""Speed of a card sort's analysis: 500 participants × 60 cards.

Goals: the similarity matrix and the average-linkage clustering together take under 1 s, and
within 3× of the least any implementation must do, timed in the same run: a bare numpy
computation of the same matrix (every participant's pairs compared by broadcasting, then
summed), with no clustering at all.
"""

import statistics
import time

import numpy as np
import pytest

from prototypes.cardsorts import analysis

PARTICIPANTS = 500
CARDS = 60
GOAL_SECONDS = 1.0
GOAL_RATIO = 3.0
REPEATS = 9


def study_sized_sort():
    """Participants sorting 60 cards into 4 to 10 groups around 6 true categories."""
    rng = np.random.default_rng(20261207)
    truth = rng.integers(0, 6, size=CARDS)
    groups = np.empty((PARTICIPANTS, CARDS), dtype=np.int64)
    for row in range(PARTICIPANTS):
        noise = rng.random(CARDS) < 0.25
        groups[row] = np.where(noise, rng.integers(0, 10, size=CARDS), truth)
        groups[row, rng.random(CARDS) < 0.03] = analysis.UNSORTED
    return groups


def bare_numpy_similarity(groups):
    sorted_mask = groups != analysis.UNSORTED
    together = (groups[:, :, None] == groups[:, None, :]) & sorted_mask[:, :, None]
    both = sorted_mask[:, :, None] & sorted_mask[:, None, :]
    return together.sum(axis=0) / np.maximum(both.sum(axis=0), 1)


def full_analysis(groups):
    share = analysis.similarity(groups).share
    return share, analysis.dendrogram(share)


def median_seconds(function, argument):
    timings = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        function(argument)
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


@pytest.mark.bench
def test_card_sort_analysis_speed(capsys):
    groups = study_sized_sort()
    share, _ = full_analysis(groups)
    expected = bare_numpy_similarity(groups)
    off_diagonal = ~np.eye(CARDS, dtype=bool)
    np.testing.assert_allclose(share[off_diagonal], expected[off_diagonal])

    baseline = median_seconds(bare_numpy_similarity, groups)
    ours = median_seconds(full_analysis, groups)
    with capsys.disabled():
        print(
            f"\n[bench] card sort {PARTICIPANTS} participants x {CARDS} cards: bare numpy "
            f"similarity {baseline * 1000:.1f} ms, similarity + clustering {ours * 1000:.1f} ms "
            f"({ours / baseline:.2f}x, goal < {GOAL_RATIO:g}x and < {GOAL_SECONDS:g} s)"
        )
    assert ours < GOAL_SECONDS
    assert ours < GOAL_RATIO * baseline
