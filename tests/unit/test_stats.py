"""Tests of prototypes.stats against published worked examples and independent references.

Where a published example exists, its source is cited next to the numbers. Where none could
be found, the expected value is computed in the test by a different route through scipy, and
the comment says so.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as scipy_stats

from prototypes import stats

confidences = st.floats(min_value=0.5, max_value=0.999)


@st.composite
def counts(draw, max_trials=500):
    trials = draw(st.integers(min_value=1, max_value=max_trials))
    successes = draw(st.integers(min_value=0, max_value=trials))
    return successes, trials


# --- completion_interval -------------------------------------------------------------------


def test_completion_interval_seven_of_ten():
    # Sauro & Lewis, "A New Formula for Quantitative UX Decision Making", UX Magazine
    # article 850 (2012): 7 of 10 users completing gives a 95% adjusted-Wald interval of
    # "about 39% to 90%".
    low, high = stats.completion_interval(7, 10)
    assert (round(low, 2), round(high, 2)) == (0.39, 0.90)


def test_completion_interval_three_of_ten():
    # Same article: 3 failures out of 10 gives "about 10% to 61%".
    low, high = stats.completion_interval(3, 10)
    assert (round(low, 2), round(high, 2)) == (0.10, 0.61)


def test_completion_interval_four_of_five():
    # Tullis, "Calculating a Confidence Interval for Task Completion Using the Adjusted Wald
    # Method", measuringux.com (2008): 4 of 5 gives 0.3596 to 0.9796 with z rounded to 1.96;
    # the exact z (1.95996...) moves the fourth decimal by less than 0.0005.
    low, high = stats.completion_interval(4, 5)
    assert low == pytest.approx(0.3596, abs=5e-4)
    assert high == pytest.approx(0.9796, abs=5e-4)


def test_completion_interval_is_clipped_at_the_extremes():
    assert stats.completion_interval(0, 5)[0] == 0.0
    assert stats.completion_interval(5, 5)[1] == 1.0


@given(counts(), confidences)
def test_completion_interval_contains_the_observed_rate_and_stays_in_range(pair, confidence):
    successes, trials = pair
    low, high = stats.completion_interval(successes, trials, confidence)
    assert 0 <= low <= successes / trials <= high <= 1


@given(counts(max_trials=200), st.integers(min_value=2, max_value=20))
def test_completion_interval_narrows_as_the_sample_grows_at_a_fixed_rate(pair, factor):
    successes, trials = pair
    low, high = stats.completion_interval(successes, trials)
    larger_low, larger_high = stats.completion_interval(successes * factor, trials * factor)
    assert larger_high - larger_low < high - low


@given(counts(), st.floats(min_value=0.5, max_value=0.98))
def test_completion_interval_widens_with_confidence(pair, confidence):
    successes, trials = pair
    low, high = stats.completion_interval(successes, trials, confidence)
    wider_low, wider_high = stats.completion_interval(successes, trials, confidence + 0.01)
    assert wider_low <= low and high <= wider_high


@pytest.mark.parametrize(
    ("successes", "trials", "confidence"),
    [(-1, 5, 0.95), (1, -5, 0.95), (6, 5, 0.95), (0, 0, 0.95), (1, 5, 0), (1, 5, 1), (1, 5, 2)],
)
def test_completion_interval_rejects_bad_arguments(successes, trials, confidence):
    with pytest.raises(ValueError):
        stats.completion_interval(successes, trials, confidence)


# --- time_interval and median --------------------------------------------------------------


def test_time_interval_measuringu_example():
    # Sauro, "Graph and Calculator for Confidence Intervals for Task Times", MeasuringU
    # (2006): times 55, 65, 75, 62, 45, 135 are reported as "Average Time: 68 seconds,
    # 95% CI (46, 101)".
    mean, low, high = stats.time_interval([55, 65, 75, 62, 45, 135])
    assert (round(mean), round(low), round(high)) == (68, 46, 101)


def test_time_interval_matches_a_scipy_t_interval_on_the_logarithms():
    # Independent reference: scipy.stats.t.interval on the log times, exponentiated.
    times = [94.0, 95.0, 96.0, 113.0, 121.0, 132.0, 190.0, 193.0, 255.0, 298.0]
    logs = np.log(times)
    reference = scipy_stats.t.interval(
        0.90, len(logs) - 1, loc=logs.mean(), scale=scipy_stats.sem(logs)
    )
    mean, low, high = stats.time_interval(times, 0.90)
    assert mean == pytest.approx(scipy_stats.gmean(times))
    assert (low, high) == pytest.approx(tuple(np.exp(reference)))


@given(st.lists(st.floats(min_value=0.5, max_value=3600), min_size=2, max_size=60))
def test_time_interval_brackets_the_geometric_mean(times):
    mean, low, high = stats.time_interval(times)
    assert 0 < low <= mean <= high
    assert min(times) * (1 - 1e-9) <= mean <= max(times) * (1 + 1e-9)


@pytest.mark.parametrize("times", [[], [30.0], [30.0, 0.0], [30.0, -4.0], [30.0, math.nan]])
def test_time_interval_rejects_bad_samples(times):
    with pytest.raises(ValueError):
        stats.time_interval(times)


def test_median():
    assert stats.median([3, 1, 2]) == 2
    assert stats.median([4, 1, 2, 3]) == 2.5
    with pytest.raises(ValueError):
        stats.median([])


# --- mean_interval -------------------------------------------------------------------------


def test_mean_interval_matches_scipy():
    # No published worked example found for a rating-scale interval; the reference is
    # scipy.stats.t.interval with the standard error from scipy.stats.sem.
    values = [5, 6, 7, 4, 6, 7, 5, 3, 6, 7]
    reference = scipy_stats.t.interval(
        0.95, len(values) - 1, loc=np.mean(values), scale=scipy_stats.sem(values)
    )
    mean, low, high = stats.mean_interval(values)
    assert mean == pytest.approx(5.6)
    assert (low, high) == pytest.approx(reference)


@given(
    st.lists(st.integers(min_value=1, max_value=7), min_size=2, max_size=80),
    confidences,
)
def test_mean_interval_contains_the_mean(values, confidence):
    mean, low, high = stats.mean_interval(values, confidence)
    assert low <= mean <= high
    assert mean == pytest.approx(sum(values) / len(values))


def test_mean_interval_refuses_a_single_value_rather_than_pretend_precision():
    with pytest.raises(ValueError, match="at least 2"):
        stats.mean_interval([6])


def test_mean_interval_of_identical_values_has_zero_width():
    assert stats.mean_interval([7, 7, 7]) == (7.0, 7.0, 7.0)


# --- SUS -----------------------------------------------------------------------------------


def test_sus_score_follows_the_published_rule():
    # Brooke (1996) and QUX ch. 8: odd items contribute answer - 1, even items 5 - answer,
    # the sum times 2.5. Worked by hand from that rule (no published answer set found):
    # contributions 3, 3, 3, 4, 4, 3, 3, 3, 4, 4 sum to 34, and 34 * 2.5 = 85.
    assert stats.sus_score([4, 2, 4, 1, 5, 2, 4, 2, 5, 1]) == 85.0
    assert stats.sus_score([3] * 10) == 50.0
    assert stats.sus_score([5, 1] * 5) == 100.0
    assert stats.sus_score([1, 5] * 5) == 0.0


@given(st.lists(st.integers(min_value=1, max_value=5), min_size=10, max_size=10))
def test_sus_score_matches_the_sum_formulation(answers):
    # An equivalent published formulation: X = sum of odd items - 5, Y = 25 - sum of even
    # items, SUS = (X + Y) * 2.5.
    odd, even = answers[0::2], answers[1::2]
    assert stats.sus_score(answers) == ((sum(odd) - 5) + (25 - sum(even))) * 2.5
    assert 0 <= stats.sus_score(answers) <= 100


@pytest.mark.parametrize(
    "answers", [[3] * 9, [3] * 11, [0] + [3] * 9, [6] + [3] * 9, [2.5] + [3] * 9, []]
)
def test_sus_score_rejects_bad_answers(answers):
    with pytest.raises(ValueError):
        stats.sus_score(answers)


@pytest.mark.parametrize(
    ("score", "grade"),
    # The Sauro-Lewis curved grading scale, QUX ch. 8: each published range's bounds.
    [
        (100, "A+"),
        (84.1, "A+"),
        (84.0, "A"),
        (80.8, "A"),
        (80.7, "A-"),
        (78.9, "A-"),
        (78.8, "B+"),
        (77.2, "B+"),
        (77.1, "B"),
        (74.1, "B"),
        (74.0, "B-"),
        (72.6, "B-"),
        (72.5, "C+"),
        (71.1, "C+"),
        (71.0, "C"),
        (68, "C"),  # MeasuringU, "5 Ways to Interpret a SUS Score": the average, 68, is a C
        (65.0, "C"),
        (64.9, "C-"),
        (62.7, "C-"),
        (62.6, "D"),
        (51.7, "D"),
        (51.6, "F"),
        (0, "F"),
    ],
)
def test_sus_grade(score, grade):
    assert stats.sus_grade(score) == grade


@given(st.floats(min_value=0, max_value=100), st.floats(min_value=0, max_value=100))
def test_sus_grade_never_rewards_a_lower_score(first, second):
    order = [grade for _, grade in stats.SUS_GRADES]
    lower, higher = sorted((first, second))
    assert order.index(stats.sus_grade(higher)) <= order.index(stats.sus_grade(lower))


@pytest.mark.parametrize("score", [-0.1, 100.1, math.nan])
def test_sus_grade_rejects_scores_outside_the_scale(score):
    with pytest.raises(ValueError):
        stats.sus_grade(score)


# --- compare_completion --------------------------------------------------------------------


def n_minus_one_chi_square_p(successes_a, trials_a, successes_b, trials_b):
    # Independent reference: Pearson's chi-square from scipy, multiplied by (N - 1) / N
    # (Campbell 2007; QUX ch. 5 shows the N-1 chi-square and the N-1 two-proportion test
    # are the same test). No published p-value could be found to compare against.
    table = [[successes_a, trials_a - successes_a], [successes_b, trials_b - successes_b]]
    total = trials_a + trials_b
    chi_square = scipy_stats.chi2_contingency(table, correction=False).statistic
    return scipy_stats.chi2.sf(chi_square * (total - 1) / total, 1)


@pytest.mark.parametrize(
    "groups",
    [
        (11, 12, 5, 10),
        # Input of the example in the CRAN package uxr, test_n_1_prop (conversions 37 of
        # 455 against 22 of 438); the package documents no output to compare against.
        (37, 455, 22, 438),
        (40, 60, 15, 35),
    ],
)
def test_compare_completion_matches_the_n_minus_one_chi_square(groups):
    assert stats.compare_completion(*groups) == pytest.approx(n_minus_one_chi_square_p(*groups))


def test_compare_completion_without_any_difference():
    assert stats.compare_completion(5, 5, 8, 8) == 1.0
    assert stats.compare_completion(0, 5, 0, 8) == 1.0
    assert stats.compare_completion(3, 6, 5, 10) == pytest.approx(1.0)


@given(counts(max_trials=200), counts(max_trials=200))
def test_compare_completion_is_a_symmetric_probability(first, second):
    p = stats.compare_completion(*first, *second)
    assert 0 <= p <= 1
    assert p == pytest.approx(stats.compare_completion(*second, *first))


@pytest.mark.parametrize("groups", [(1, 0, 1, 5), (1, 5, 0, 0), (-1, 5, 1, 5), (6, 5, 1, 5)])
def test_compare_completion_rejects_bad_counts(groups):
    with pytest.raises(ValueError):
        stats.compare_completion(*groups)


# --- participants_needed -------------------------------------------------------------------


def settled(rate, size, threshold, confidence=0.95):
    low, high = stats.completion_interval(rate * size, size, confidence)
    return low > threshold if rate > threshold else high < threshold


@given(counts(max_trials=60), st.floats(min_value=0, max_value=1), confidences)
def test_participants_needed_is_the_smallest_settling_sample(pair, threshold, confidence):
    successes, trials = pair
    rate = successes / trials
    needed = stats.participants_needed(successes, trials, threshold, confidence)
    if rate == threshold:
        assert needed is None
    elif needed is None:
        assert not settled(rate, stats.MAX_PARTICIPANTS, threshold, confidence)
    else:
        assert settled(rate, needed, threshold, confidence)
        assert needed == 1 or not settled(rate, needed - 1, threshold, confidence)


@settings(max_examples=20)
@given(counts(max_trials=30), st.floats(min_value=0.05, max_value=0.95))
def test_participants_needed_no_smaller_sample_settles(pair, threshold):
    successes, trials = pair
    needed = stats.participants_needed(successes, trials, threshold)
    if needed is not None:
        rate = successes / trials
        assert not any(settled(rate, size, threshold) for size in range(1, needed))


def test_participants_needed_examples():
    # 7 of 10 against 50%: the 95% interval (0.39, 0.90) straddles 0.5 today.
    needed = stats.participants_needed(7, 10, 0.5)
    assert needed > 10
    assert stats.completion_interval(0.7 * needed, needed)[0] > 0.5
    assert stats.completion_interval(0.7 * (needed - 1), needed - 1)[0] <= 0.5
    # A result already settled needs no more participants than were tested.
    assert stats.participants_needed(10, 10, 0.5) <= 10
    assert stats.participants_needed(7, 10, 0.7) is None
    # 70% against 69% needs about 8,200 participants; against 69.5%, more than 10,000.
    assert 8_000 < stats.participants_needed(7, 10, 0.69) < 8_500
    assert stats.participants_needed(7, 10, 0.695) is None


@pytest.mark.parametrize(
    ("successes", "trials", "threshold", "confidence"),
    [(1, 0, 0.5, 0.95), (6, 5, 0.5, 0.95), (1, 5, 1.5, 0.95), (1, 5, -0.1, 0.95), (1, 5, 0.5, 1)],
)
def test_participants_needed_rejects_bad_arguments(successes, trials, threshold, confidence):
    with pytest.raises(ValueError):
        stats.participants_needed(successes, trials, threshold, confidence)


@given(
    st.floats(min_value=-10, max_value=10),
    st.floats(min_value=0, max_value=5),
    st.floats(min_value=-10, max_value=10),
    confidences,
)
def test_participants_needed_for_mean_is_the_smallest_settling_sample(
    mean, deviation, threshold, confidence
):
    def half_width(size):
        return scipy_stats.t.ppf(1 - (1 - confidence) / 2, size - 1) * deviation / size**0.5

    needed = stats.participants_needed_for_mean(mean, deviation, threshold, confidence)
    distance = abs(mean - threshold)
    if distance == 0:
        assert needed is None
    elif needed is None:
        assert half_width(stats.MAX_PARTICIPANTS) >= distance
    else:
        assert half_width(needed) < distance
        assert needed == 2 or half_width(needed - 1) >= distance


# --- goodness_of_fit -----------------------------------------------------------------------


def test_goodness_of_fit_hyperstat_example():
    # Lane, HyperStat Online, "Chi Square Test of Goodness of Fit": proportions 0.45, 0.25,
    # 0.30 of 100 subjects against equal thirds give chi-square(2) = 6.50, p = 0.039.
    assert round(stats.goodness_of_fit([45, 25, 30]), 3) == 0.039


def test_goodness_of_fit_two_degrees_of_freedom_closed_form():
    # With two degrees of freedom the chi-square survival function is exp(-x / 2);
    # 10, 5, 5 against equal shares gives x = 2.5.
    assert stats.goodness_of_fit([10, 5, 5]) == pytest.approx(math.exp(-1.25))
    assert stats.goodness_of_fit([7, 7, 7]) == pytest.approx(1.0)


@pytest.mark.parametrize("answer_counts", [[], [5], [0, 0], [3, -1]])
def test_goodness_of_fit_rejects_bad_counts(answer_counts):
    with pytest.raises(ValueError):
        stats.goodness_of_fit(answer_counts)
