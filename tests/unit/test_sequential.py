"""Tests of prototypes.sequential and analysis.verdict_path: anytime-valid intervals and verdicts.

The closed forms are checked against independent computations: the beta-binomial mixture
against numerical integration of the likelihood ratio over its prior, the betting capital
against a plain loop over the formulas of Waudby-Smith & Ramdas (2023), and the median
bounds against the sign test evaluated at every candidate median. Error rates over whole
paths are measured in tests/bench/bench_sequential.py.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate

from prototypes import analysis, sequential
from prototypes.analysis import FAIL, NOT_YET, PASS, Criterion

CONFIDENCE = 0.90
LEVEL = math.log(2 / (1 - CONFIDENCE))


def criterion(metric="completion_rate", comparison="at_least", threshold=0.8):
    return Criterion(metric, comparison, threshold, True)


# --- the mathematics, against independent computations -----------------------------------


@pytest.mark.parametrize(
    ("successes", "trials", "p"),
    [(8, 10, 0.5), (0, 5, 0.3), (19, 20, 0.8), (30, 60, 0.45), (3, 3, 0.9), (57, 60, 0.8)],
)
def test_the_beta_binomial_mixture_equals_its_integral(successes, trials, p):
    def ratio(q):
        return (q / p) ** successes * ((1 - q) / (1 - p)) ** (trials - successes)

    # A uniform prior on [p, 1] has density 1 / (1 - p).
    integral, _ = integrate.quad(ratio, p, 1, epsabs=0, epsrel=1e-10, limit=200)
    expected = math.log(integral / (1 - p))
    assert sequential.log_mixture_above(successes, trials, p) == pytest.approx(expected, rel=1e-7)
    below, _ = integrate.quad(ratio, 0, p, epsabs=0, epsrel=1e-10, limit=200)
    assert sequential.log_mixture_below(successes, trials, p) == pytest.approx(
        math.log(below / p), rel=1e-7
    )


def test_the_mixture_grows_with_successes_and_falls_towards_the_observed_rate():
    for trials in range(1, 120):
        successes = np.arange(trials + 1)
        assert (np.diff(sequential.log_mixture_above(successes, trials, 0.7)) >= -1e-9).all()
        for s in range(1, trials + 1):
            rates = np.linspace(1e-4, s / trials, 60)
            assert (np.diff(sequential.log_mixture_above(s, trials, rates)) <= 1e-9).all()


@pytest.mark.parametrize("threshold", [0.0, 0.15, 0.5, 0.8, 1.0])
def test_the_per_n_rules_are_the_mixture_tests(threshold):
    above, below = sequential.proportion_rules(threshold, CONFIDENCE, 150)
    for trials in range(151):
        successes = np.arange(trials + 1)
        up = np.flatnonzero(sequential.log_mixture_above(successes, trials, threshold) >= LEVEL)
        down = np.flatnonzero(sequential.log_mixture_below(successes, trials, threshold) >= LEVEL)
        assert above[trials] == (up[0] if up.size else trials + 1)
        assert below[trials] == (down[-1] if down.size else -1)


def test_proportion_bounds_are_where_the_mixture_crosses_its_level():
    successes, trials = np.array([0.0, 4, 16, 57]), np.array([5.0, 10, 20, 60])
    low, high = sequential.proportion_bounds(successes, trials, CONFIDENCE)
    for s, n, lo, hi in zip(successes, trials, low, high, strict=True):
        assert lo <= s / n <= hi
        if lo > 0:
            assert sequential.log_mixture_above(s, n, lo) >= LEVEL
            assert sequential.log_mixture_above(s, n, lo + 1e-6) < LEVEL
        if hi < 1:
            assert sequential.log_mixture_below(s, n, hi) >= LEVEL
            assert sequential.log_mixture_below(s, n, hi - 1e-6) < LEVEL


def wsr_capital(values, m, confidence):
    """K⁺ₜ(m) and K⁻ₜ(m) by the published formulas, one value at a time in plain Python."""
    alpha = 1 - confidence
    plus, minus, total, squares, capital = 1.0, 1.0, 0.0, 0.0, []
    previous_spread = 0.25
    for t, x in enumerate(values, start=1):
        bet = math.sqrt(2 * math.log(2 / alpha) / (previous_spread * t * math.log(1 + t)))
        plus *= 1 + min(bet, sequential.BET_LIMIT / m if m else math.inf) * (x - m)
        minus *= 1 - min(bet, sequential.BET_LIMIT / (1 - m) if m < 1 else math.inf) * (x - m)
        total += x
        mean = (0.5 + total) / (t + 1)
        squares += (x - mean) ** 2
        previous_spread = (0.25 + squares) / (t + 1)
        capital.append((plus, minus))
    return capital


@pytest.mark.parametrize("m", [0.0, 0.3, 0.75, 0.9, 1.0])
def test_the_betting_capital_follows_waudby_smith_and_ramdas(m):
    values = np.random.default_rng(3).random(40)
    bets = sequential.predictable_bets(values, CONFIDENCE)
    plus = sequential.log_capital_above(values, bets, m)
    minus = sequential.log_capital_below(values, bets, m)
    for t, (expected_plus, expected_minus) in enumerate(wsr_capital(values, m, CONFIDENCE)):
        assert plus[t] == pytest.approx(math.log(expected_plus), abs=1e-9)
        assert minus[t] == pytest.approx(math.log(expected_minus), abs=1e-9)


def test_mean_bounds_are_the_means_the_capital_rules_out():
    answers = [6, 7, 5, 6, 7, 6, 7, 7, 4, 6, 7, 6]
    low, high, _, _ = sequential.mean_sequence(answers, 1, 7, 5.5, CONFIDENCE)
    scaled = (np.array(answers) - 1) / 6
    for size in range(1, len(answers) + 1):
        capital = wsr_capital(scaled[:size], (low[size - 1] - 1) / 6, CONFIDENCE)
        if low[size - 1] > 1:
            assert capital[-1][0] >= 2 / (1 - CONFIDENCE)
        # Just inside the bound nothing is ruled out.
        inside = (low[size - 1] - 1) / 6 + 2 / sequential.MEAN_GRID
        assert wsr_capital(scaled[:size], inside, CONFIDENCE)[-1][0] < 2 / (1 - CONFIDENCE)
        assert high[size - 1] >= low[size - 1]


def test_median_bounds_are_the_sign_test_at_every_candidate():
    times = np.exp(np.random.default_rng(5).normal(3, 1, 60))
    low, high, _, _ = sequential.median_sequence(times, 20.0, CONFIDENCE)
    for size in (10, 30, 60):
        sample = times[:size]
        ruled_out = []
        for m in np.sort(sample):
            at_or_below = int((sample <= m).sum())
            too_high = sequential.log_mixture_above(at_or_below, size, 0.5) >= LEVEL
            too_low = sequential.log_mixture_below(at_or_below, size, 0.5) >= LEVEL
            ruled_out.append((m, too_high, too_low))
        kept = [m for m, too_high, too_low in ruled_out if not too_high and not too_low]
        assert low[size - 1] == kept[0]
        first_too_high = [m for m, too_high, _ in ruled_out if too_high]
        assert high[size - 1] == (first_too_high[0] if first_too_high else np.inf)


# --- verdict_path --------------------------------------------------------------------------


def test_three_identical_seq_answers_do_not_pass():
    path = analysis.verdict_path(criterion("seq", "at_least", 5.5), [7, 7, 7])
    assert [step.verdict for step in path] == [NOT_YET] * 3
    assert path[-1].low < 5.5
    assert path[-1].more_participants is not None


def test_a_run_of_top_answers_passes_eventually_and_says_when():
    path = analysis.verdict_path(criterion("seq", "at_least", 5.5), [7] * 20)
    assert path[-1].verdict == PASS
    first = next(step for step in path if step.verdict == PASS)
    assert first.settled_at == first.n == path[-1].settled_at
    assert 3 < first.n < 20


def test_small_samples_of_every_kind_stay_not_yet():
    cases = [
        (criterion(), [True, True]),
        (criterion("direct_success_rate", "at_least", 0.5), [True]),
        (criterion("misclick_rate", "at_most", 0.2), [False, False, False]),
        (criterion("first_click_rate", "at_least", 0.6), [True, True, True]),
        (criterion("answer_share", "at_least", 0.3), [True, False]),
        (criterion("sus", "at_least", 68), [100, 97.5]),
        (criterion("time_on_task", "at_most", 60), [12.0, 9.5, 20.1]),
    ]
    for rule, outcomes in cases:
        path = analysis.verdict_path(rule, outcomes)
        assert len(path) == len(outcomes)
        assert [step.n for step in path] == list(range(1, len(outcomes) + 1))
        assert all(step.verdict == NOT_YET for step in path), rule.metric


def test_every_kind_settles_on_clear_evidence():
    rng = np.random.default_rng(7)
    cases = [
        (criterion(), [True] * 30, PASS),
        (criterion("completion_rate", "at_least", 0.8), [False, True] * 15, FAIL),
        (criterion("misclick_rate", "at_most", 0.3), [False] * 40, PASS),
        (criterion("sus", "at_least", 68), list(rng.choice([85, 90, 95.0], 40)), PASS),
        (criterion("sus", "at_most", 50), list(rng.choice([85, 90, 95.0], 40)), FAIL),
        (criterion("seq", "at_most", 3), [6, 7] * 15, FAIL),
        (criterion("time_on_task", "at_most", 30), list(rng.uniform(5, 15, 30)), PASS),
        (criterion("time_on_task", "at_least", 30), list(rng.uniform(5, 15, 30)), FAIL),
    ]
    for rule, outcomes, expected in cases:
        final = analysis.verdict_path(rule, outcomes)[-1]
        assert final.verdict == expected, (rule, final)
        assert final.more_participants is None


def test_the_estimate_and_interval_describe_the_data_so_far():
    path = analysis.verdict_path(criterion(), [True, False, True, True])
    assert [step.estimate for step in path] == [1.0, 0.5, 2 / 3, 0.75]
    for step in path:
        assert step.low <= step.estimate <= step.high
    times = analysis.verdict_path(criterion("time_on_task", "at_most", 30), [10.0, 40.0, 20.0])
    assert [step.estimate for step in times] == [10.0, 25.0, 20.0]
    assert times[0].high is None  # one time bounds nothing yet


def test_intervals_only_narrow_along_the_path():
    rng = np.random.default_rng(11)
    path = analysis.verdict_path(criterion(), list(rng.random(120) < 0.7))
    lows = [step.low for step in path]
    highs = [step.high for step in path]
    assert lows == sorted(lows)
    assert highs == sorted(highs, reverse=True)


OUTCOMES = {
    "completion_rate": st.lists(st.booleans(), min_size=1, max_size=120),
    "seq": st.lists(st.integers(1, 7), min_size=1, max_size=80),
    "sus": st.lists(st.sampled_from([x * 2.5 for x in range(41)]), min_size=1, max_size=80),
    "time_on_task": st.lists(st.floats(0.5, 600), min_size=1, max_size=80),
}
THRESHOLDS = {"completion_rate": 0.7, "seq": 5.0, "sus": 68.0, "time_on_task": 30.0}


@settings(max_examples=60, deadline=None)
@given(
    metric=st.sampled_from(sorted(OUTCOMES)),
    comparison=st.sampled_from(["at_least", "at_most"]),
    data=st.data(),
)
def test_a_verdict_never_turns_from_pass_to_fail_or_back(metric, comparison, data):
    outcomes = data.draw(OUTCOMES[metric])
    path = analysis.verdict_path(criterion(metric, comparison, THRESHOLDS[metric]), outcomes)
    settled = [step.verdict for step in path if step.verdict != NOT_YET]
    assert len(set(settled)) <= 1
    if settled:
        first = next(index for index, step in enumerate(path) if step.verdict != NOT_YET)
        assert all(step.verdict == settled[0] for step in path[first:])
        assert all(step.settled_at == first + 1 for step in path[first:])


def test_each_element_is_the_verdict_of_its_prefix():
    outcomes = list(np.random.default_rng(2).random(30) < 0.9)
    path = analysis.verdict_path(criterion(), outcomes)
    for size in (1, 7, 19, 30):
        prefix = analysis.verdict_path(criterion(), outcomes[:size])[-1]
        step = path[size - 1]
        assert (prefix.verdict, prefix.low, prefix.high, prefix.n) == (
            step.verdict,
            step.low,
            step.high,
            step.n,
        )


@settings(max_examples=40, deadline=None)
@given(
    metric=st.sampled_from(sorted(OUTCOMES)),
    comparison=st.sampled_from(["at_least", "at_most"]),
    data=st.data(),
)
def test_the_latest_verdict_is_the_last_step_of_the_path(metric, comparison, data):
    rule = criterion(metric, comparison, THRESHOLDS[metric])
    outcomes = data.draw(OUTCOMES[metric])
    assert analysis.latest_verdict(rule, outcomes) == analysis.verdict_path(rule, outcomes)[-1]


def test_the_latest_verdict_of_a_long_undecided_path_carries_the_same_projection():
    rule = criterion("completion_rate", "at_least", 0.6)
    outcomes = [True, True, False] * 20
    latest = analysis.latest_verdict(rule, outcomes)
    assert latest.verdict == NOT_YET and latest.more_participants is not None
    assert latest == analysis.verdict_path(rule, outcomes)[-1]
    assert analysis.latest_verdict(rule, []) is None


@pytest.mark.parametrize(
    ("lows", "highs"),
    [
        ([0.1, 0.2, 0.15, 0.3], [0.9, 0.8, 0.85, 0.7]),
        # The third interval is disjoint from the first two's intersection: skipped.
        ([0.1, 0.2, 0.9, 0.3], [0.9, 0.8, 0.95, 0.7]),
        ([-np.inf, 0.2, -np.inf], [np.inf, np.inf, 0.5]),
    ],
)
def test_the_running_intersection_is_the_plain_loop_over_the_intervals(lows, highs):
    expected_low, expected_high, current = [], [], (-np.inf, np.inf)
    for low, high in zip(lows, highs, strict=True):
        if low <= current[1] and high >= current[0]:
            current = (max(current[0], low), min(current[1], high))
        expected_low.append(current[0])
        expected_high.append(current[1])
    running_low, running_high = sequential.running_intersection(lows, highs)
    assert running_low.tolist() == expected_low
    assert running_high.tolist() == expected_high


def test_the_projection_is_seeded_and_shrinks_with_a_clearer_result():
    rule = criterion()
    close = analysis.verdict_path(rule, [True] * 17 + [False] * 3)[-1]
    clear = analysis.verdict_path(rule, [True] * 19 + [False])[-1]
    assert (
        close.more_participants
        == analysis.verdict_path(rule, [True] * 17 + [False] * 3)[-1].more_participants
    )
    assert clear.more_participants < close.more_participants
    # Exactly on the threshold no realistic sample settles it.
    on_target = analysis.verdict_path(rule, [True] * 8 + [False] * 2)[-1]
    assert on_target.more_participants is None or on_target.more_participants > 100


def test_no_outcomes_give_an_empty_path():
    assert analysis.verdict_path(criterion(), []) == []


@pytest.mark.parametrize(
    ("rule", "outcomes"),
    [
        (criterion(), [1, 0]),
        (criterion(), ["yes"]),
        (criterion("seq", "at_least", 5), [0]),
        (criterion("seq", "at_least", 5), [5.5]),
        (criterion("seq", "at_least", 9), [5]),
        (criterion("sus", "at_least", 68), [101]),
        (criterion("sus", "at_least", 68), [math.nan]),
        (criterion("time_on_task", "at_most", 30), [0]),
        (criterion("time_on_task", "at_most", 30), [True]),
        (criterion("time_on_task", "at_most", 30), [math.inf]),
        (criterion("completion_rate", "at_least", 1.5), [True]),
        (criterion("speed", "at_least", 1), [True]),
        (criterion("completion_rate", "about", 0.5), [True]),
    ],
)
def test_bad_input_is_refused(rule, outcomes):
    with pytest.raises(ValueError):
        analysis.verdict_path(rule, outcomes)


@pytest.mark.parametrize("confidence", [0, 1, 1.5, -0.1])
def test_a_confidence_outside_zero_and_one_is_refused(confidence):
    with pytest.raises(ValueError):
        analysis.verdict_path(criterion(), [True], confidence)


def test_two_concepts_far_apart_are_told_apart_and_close_ones_are_not():
    low, high = sequential.difference_bounds([False] * 30, [True] * 30, CONFIDENCE)
    assert 0 < low < high <= 1
    low, high = sequential.difference_bounds(
        [True, False] * 10, [True, True, False] * 7, CONFIDENCE
    )
    assert low < 0 < high


def test_the_difference_interval_holds_both_groups_sequences_at_once():
    rng = np.random.default_rng(17)
    a, b = list(rng.random(40) < 0.3), list(rng.random(40) < 0.6)
    low, high = sequential.difference_bounds(a, b, CONFIDENCE)
    each = 1 - (1 - CONFIDENCE) / 2
    for outcomes in (a, b):
        hits = np.cumsum(outcomes)
        lows, highs = sequential.proportion_bounds(hits, np.arange(1, 41), each)
        running = sequential.running_intersection(lows, highs)
        assert running[0][-1] <= running[1][-1]
    assert low <= np.mean(b) - np.mean(a) <= high
    with pytest.raises(ValueError):
        sequential.difference_bounds([], [True], CONFIDENCE)
