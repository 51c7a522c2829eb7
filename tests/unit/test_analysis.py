"""Tests of prototypes.analysis: task metrics, SUS summaries, criterion and overall verdicts."""

import math
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prototypes import analysis, stats
from prototypes.analysis import (
    FAIL,
    GO,
    NO_GO,
    NOT_YET,
    PASS,
    Attempt,
    Criterion,
    CriterionVerdict,
)


def attempt(outcome="direct", seconds=30.0, clicks=3, misclicks=0, first_click=True, seq=6):
    return Attempt(
        session_id=1,
        task_id=1,
        outcome=outcome,
        seconds=seconds,
        clicks=clicks,
        misclicks=misclicks,
        first_click_success=first_click,
        seq=seq,
    )


@st.composite
def attempts(draw):
    outcome = draw(st.sampled_from(analysis.OUTCOMES))
    clicks = draw(st.integers(min_value=0, max_value=30))
    return attempt(
        outcome=outcome,
        seconds=draw(st.none() | st.floats(min_value=0.5, max_value=900)),
        clicks=clicks,
        misclicks=draw(st.integers(min_value=0, max_value=clicks)),
        first_click=draw(st.none() | st.booleans()),
        seq=draw(st.none() | st.integers(min_value=1, max_value=7)),
    )


# --- task_metrics --------------------------------------------------------------------------


def test_task_metrics_counts_every_started_attempt():
    task = [
        attempt("direct", 20.0, clicks=2, misclicks=0, first_click=True, seq=7),
        attempt("direct", 40.0, clicks=4, misclicks=1, first_click=True, seq=6),
        attempt("direct", 25.0, clicks=3, misclicks=0, first_click=None, seq=None),
        attempt("direct", None, clicks=2, misclicks=0, first_click=True, seq=6),
        attempt("direct", 35.0, clicks=2, misclicks=0, first_click=True, seq=7),
        attempt("indirect", 90.0, clicks=9, misclicks=3, first_click=False, seq=4),
        attempt("indirect", 60.0, clicks=6, misclicks=2, first_click=False, seq=5),
        attempt("gave_up", 120.0, clicks=12, misclicks=6, first_click=False, seq=2),
        attempt("timed_out", 300.0, clicks=20, misclicks=10, first_click=False, seq=None),
        attempt("abandoned", 10.0, clicks=0, misclicks=0, first_click=None, seq=None),
    ]
    metrics = analysis.task_metrics(task)

    assert metrics.n == 10
    # The abandoned attempt stays in the denominator as a failure.
    assert metrics.completion.value == 0.7
    assert (metrics.completion.low, metrics.completion.high) == stats.completion_interval(7, 10)
    assert metrics.completion.successes == 7
    assert metrics.direct_success.value == 0.5
    assert (metrics.indirect_rate, metrics.gave_up_rate) == (0.2, 0.1)
    assert (metrics.timed_out_rate, metrics.abandoned_rate) == (0.1, 0.1)

    # Only successful attempts with a recorded time count for time on task.
    successful_times = [20.0, 40.0, 25.0, 35.0, 90.0, 60.0]
    assert metrics.time_on_task.n == 6
    assert (
        metrics.time_on_task.value,
        metrics.time_on_task.low,
        metrics.time_on_task.high,
    ) == stats.time_interval(successful_times)
    assert metrics.median_time == 37.5

    # Misclicks are pooled over clicks; n counts the attempts that clicked at all.
    assert metrics.misclick.value == 22 / 60
    assert (metrics.misclick.successes, metrics.misclick.trials, metrics.misclick.n) == (22, 60, 9)
    assert (metrics.misclick.low, metrics.misclick.high) == stats.completion_interval(22, 60)

    assert (metrics.first_click.successes, metrics.first_click.n) == (4, 8)
    # Every attempt's SEQ answer counts, failures included: it is how hard the task felt.
    assert metrics.seq.n == 7
    assert metrics.seq.value == pytest.approx(37 / 7)
    assert (metrics.seq.low, metrics.seq.high) == pytest.approx(
        stats.mean_interval([7, 6, 6, 7, 4, 5, 2])[1:]
    )


def test_task_metrics_without_attempts_is_all_none():
    metrics = analysis.task_metrics([])
    assert metrics.n == 0
    for field in (
        "completion",
        "direct_success",
        "indirect_rate",
        "gave_up_rate",
        "timed_out_rate",
        "abandoned_rate",
        "time_on_task",
        "median_time",
        "misclick",
        "first_click",
        "seq",
    ):
        assert getattr(metrics, field) is None, field


def test_task_metrics_with_nobody_succeeding_has_no_time_but_a_zero_rate():
    metrics = analysis.task_metrics([attempt("gave_up"), attempt("timed_out")])
    assert metrics.completion.value == 0.0
    assert metrics.time_on_task is None
    assert metrics.median_time is None


def test_task_metrics_with_one_value_has_no_interval():
    metrics = analysis.task_metrics([attempt("direct", 42.0, seq=5)])
    assert metrics.time_on_task == analysis.Estimate(value=42.0, low=None, high=None, n=1)
    assert metrics.median_time == 42.0
    assert metrics.seq == analysis.Estimate(value=5.0, low=None, high=None, n=1)
    # Proportions still have an interval with one attempt: the adjusted-Wald is wide.
    assert metrics.completion.low < 0.3 and metrics.completion.high == 1.0


@pytest.mark.parametrize(
    "bad",
    [
        attempt(outcome="finished"),
        attempt(clicks=2, misclicks=3),
        attempt(clicks=2, misclicks=-1),
        attempt(seconds=0.0),
        attempt(seconds=-5.0),
        attempt(seq=0),
        attempt(seq=8),
    ],
)
def test_task_metrics_rejects_impossible_attempts(bad):
    with pytest.raises(ValueError):
        analysis.task_metrics([bad, attempt()])


def test_task_metrics_rejects_a_lone_non_positive_time():
    with pytest.raises(ValueError):
        analysis.task_metrics([attempt(seconds=0.0)])


@given(st.lists(attempts(), max_size=40))
def test_task_metrics_properties(task):
    metrics = analysis.task_metrics(task)
    assert metrics.n == len(task)
    if not task:
        assert metrics.completion is None
        return
    rates = (
        metrics.direct_success.value,
        metrics.indirect_rate,
        metrics.gave_up_rate,
        metrics.timed_out_rate,
        metrics.abandoned_rate,
    )
    assert sum(rates) == pytest.approx(1.0)
    assert metrics.completion.value == pytest.approx(rates[0] + rates[1])
    for estimate in (metrics.completion, metrics.direct_success, metrics.misclick):
        if estimate is not None:
            assert 0 <= estimate.low <= estimate.value <= estimate.high <= 1

    times = [
        a.seconds
        for a in task
        if a.outcome in analysis.SUCCESSFUL_OUTCOMES and a.seconds is not None
    ]
    assert (metrics.time_on_task is None) == (not times)
    if times:
        assert min(times) * (1 - 1e-9) <= metrics.time_on_task.value <= max(times) * (1 + 1e-9)
    assert (metrics.misclick is None) == (sum(a.clicks for a in task) == 0)
    assert (metrics.first_click is None) == all(a.first_click_success is None for a in task)
    assert (metrics.seq is None) == all(a.seq is None for a in task)


# --- sus_summary ---------------------------------------------------------------------------


def test_sus_summary():
    answers = [[4, 2, 4, 1, 5, 2, 4, 2, 5, 1], [3] * 10, [5, 1] * 5]  # 85, 50, 100
    summary = analysis.sus_summary(answers)
    mean, low, high = stats.mean_interval([85.0, 50.0, 100.0])
    assert (summary.mean, summary.low, summary.high) == (mean, low, high)
    assert summary.mean == pytest.approx(78.33, abs=0.01)
    assert summary.grade == "B+"
    assert summary.n == 3


def test_sus_summary_edge_cases():
    assert analysis.sus_summary([]) is None
    single = analysis.sus_summary([[3] * 10])
    assert (single.mean, single.low, single.high, single.grade, single.n) == (
        50.0,
        None,
        None,
        "F",
        1,
    )
    with pytest.raises(ValueError):
        analysis.sus_summary([[3] * 9])


# --- judge ---------------------------------------------------------------------------------


def criterion(metric="completion_rate", comparison="at_least", threshold=0.8, must_have=True):
    return Criterion(metric, comparison, threshold, must_have)


@pytest.mark.parametrize(
    ("comparison", "low", "high", "verdict"),
    [
        ("at_least", 0.85, 0.95, PASS),
        ("at_least", 0.80, 0.95, PASS),  # the whole interval is at least 0.8
        ("at_least", 0.60, 0.79, FAIL),
        ("at_least", 0.60, 0.80, NOT_YET),  # 0.8 itself is still plausible
        ("at_least", 0.70, 0.90, NOT_YET),
        ("at_most", 0.60, 0.79, PASS),
        ("at_most", 0.60, 0.80, PASS),
        ("at_most", 0.81, 0.95, FAIL),
        ("at_most", 0.80, 0.95, NOT_YET),
        ("at_most", 0.70, 0.90, NOT_YET),
    ],
)
def test_judge_compares_the_whole_interval(comparison, low, high, verdict):
    result = analysis.judge(criterion(comparison=comparison), (low + high) / 2, low, high, 20)
    assert result.verdict == verdict
    assert (result.low, result.high, result.n) == (low, high, 20)


def test_judge_without_data_is_not_yet():
    assert analysis.judge(criterion(), None, None, None, 0) == CriterionVerdict(
        NOT_YET, None, None, None, 0, None
    )
    assert analysis.judge_estimate(criterion(), None).verdict == NOT_YET


def test_judge_without_an_interval_is_not_yet():
    result = analysis.judge(criterion("seq", threshold=5.5), 7.0, None, None, 1)
    assert (result.verdict, result.estimate, result.participants_needed) == (NOT_YET, 7.0, None)


def test_judge_proportion_not_yet_projects_participants():
    low, high = stats.completion_interval(7, 10)
    result = analysis.judge(criterion(threshold=0.5), 0.7, low, high, 10, successes=7)
    assert result.verdict == NOT_YET
    assert result.participants_needed == stats.participants_needed(7, 10, 0.5)
    assert result.participants_needed > 10


def test_judge_proportion_without_successes_has_no_projection():
    low, high = stats.completion_interval(7, 10)
    result = analysis.judge(criterion(threshold=0.5), 0.7, low, high, 10)
    assert (result.verdict, result.participants_needed) == (NOT_YET, None)


def test_judge_misclick_projection_is_in_participants_not_clicks():
    # 12 misclicks in 60 clicks by 10 participants: 6 clicks each.
    low, high = stats.completion_interval(12, 60)
    result = analysis.judge(
        criterion("misclick_rate", "at_most", 0.15), 0.2, low, high, 10, successes=12, trials=60
    )
    assert result.verdict == NOT_YET
    clicks_needed = stats.participants_needed(12, 60, 0.15)
    assert result.participants_needed == math.ceil(clicks_needed / 6)


def test_judge_mean_projection_recovers_the_standard_deviation():
    values = [5, 6, 7, 4, 6, 7, 5, 3, 6, 7]
    mean, low, high = stats.mean_interval(values)
    result = analysis.judge(criterion("seq", threshold=5.0), mean, low, high, len(values))
    assert result.verdict == NOT_YET
    standard_deviation = statistics.stdev(values)
    assert result.participants_needed == stats.participants_needed_for_mean(
        mean, standard_deviation, 5.0
    )
    assert result.participants_needed > len(values)


def test_judge_time_projection_works_on_the_log_scale():
    times = [55, 65, 75, 62, 45, 135]
    mean, low, high = stats.time_interval(times)  # 68 s, (46, 101)
    result = analysis.judge(criterion("time_on_task", "at_most", 60.0), mean, low, high, 6)
    assert result.verdict == NOT_YET
    logs = [math.log(time) for time in times]
    assert result.participants_needed == stats.participants_needed_for_mean(
        statistics.fmean(logs), statistics.stdev(logs), math.log(60.0)
    )


def test_judge_estimate_uses_the_counts_of_the_estimate():
    metrics = analysis.task_metrics([attempt()] * 7 + [attempt("gave_up")] * 3)
    result = analysis.judge_estimate(criterion(threshold=0.5), metrics.completion)
    assert result.participants_needed == stats.participants_needed(7, 10, 0.5)


@pytest.mark.parametrize(
    "bad",
    [
        criterion(metric="happiness"),
        criterion(comparison="about"),
        criterion(threshold=80),  # a percentage where a fraction is expected
        criterion(metric="answer_share", threshold=-0.1),
        criterion(metric="time_on_task", comparison="at_most", threshold=0),
    ],
)
def test_judge_rejects_bad_criteria(bad):
    with pytest.raises(ValueError):
        analysis.judge(bad, 0.5, 0.4, 0.6, 10)


@given(
    st.integers(min_value=1, max_value=200).flatmap(
        lambda trials: st.tuples(st.integers(min_value=0, max_value=trials), st.just(trials))
    ),
    st.sampled_from(analysis.PROPORTION_METRICS),
    st.sampled_from(analysis.COMPARISONS),
    st.floats(min_value=0, max_value=1),
)
def test_judge_proportion_properties(counts, metric, comparison, threshold):
    successes, trials = counts
    rate = successes / trials
    low, high = stats.completion_interval(successes, trials)
    result = analysis.judge(
        Criterion(metric, comparison, threshold, True), rate, low, high, trials, successes
    )
    meets = (low >= threshold) if comparison == "at_least" else (high <= threshold)
    misses = (high < threshold) if comparison == "at_least" else (low > threshold)
    assert result.verdict == (PASS if meets else FAIL if misses else NOT_YET)
    if result.verdict != NOT_YET:
        assert result.participants_needed is None
    elif result.participants_needed is not None:
        # More participants are needed than were tested, and at that sample the same rate
        # settles the question.
        needed = result.participants_needed
        assert needed > trials
        projected_low, projected_high = stats.completion_interval(rate * needed, needed)
        projected = analysis.judge(
            Criterion(metric, comparison, threshold, True),
            rate,
            projected_low,
            projected_high,
            needed,
            rate * needed,
        )
        assert projected.verdict in (PASS, FAIL)


# --- overall_verdict -----------------------------------------------------------------------


def verdict(value):
    return CriterionVerdict(value, None, None, None, 0, None)


def test_overall_verdict_examples():
    assert analysis.overall_verdict([(verdict(PASS), True), (verdict(PASS), True)]) == GO
    assert analysis.overall_verdict([(verdict(PASS), True), (verdict(FAIL), False)]) == GO
    assert analysis.overall_verdict([(verdict(PASS), True), (verdict(FAIL), True)]) == NO_GO
    assert analysis.overall_verdict([(verdict(NOT_YET), True), (verdict(FAIL), True)]) == NO_GO
    assert analysis.overall_verdict([(verdict(PASS), True), (verdict(NOT_YET), True)]) == NOT_YET
    # Without must-have criteria nothing decides, however good the results look.
    assert analysis.overall_verdict([(verdict(PASS), False)]) == NOT_YET
    assert analysis.overall_verdict([]) == NOT_YET


verdict_lists = st.lists(
    st.tuples(st.sampled_from((PASS, FAIL, NOT_YET)).map(verdict), st.booleans()), max_size=12
)


@given(verdict_lists, st.integers(min_value=0, max_value=12))
def test_a_failing_must_have_always_means_no_go(verdicts, position):
    verdicts.insert(min(position, len(verdicts)), (verdict(FAIL), True))
    assert analysis.overall_verdict(verdicts) == NO_GO


@given(verdict_lists, verdict_lists)
def test_nice_to_haves_never_change_the_verdict(verdicts, extra):
    nice_to_haves = [(result, False) for result, _ in extra]
    assert analysis.overall_verdict(verdicts + nice_to_haves) == analysis.overall_verdict(verdicts)


@given(verdict_lists)
def test_overall_verdict_follows_the_must_haves(verdicts):
    must_haves = [result.verdict for result, must_have in verdicts if must_have]
    expected = (
        NO_GO if FAIL in must_haves else GO if must_haves and set(must_haves) == {PASS} else NOT_YET
    )
    assert analysis.overall_verdict(verdicts) == expected
    assert analysis.overall_verdict(list(reversed(verdicts))) == expected
