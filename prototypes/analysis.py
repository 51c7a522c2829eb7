"""Task metrics, criterion verdicts and the overall go/no-go verdict of a Study.

Pure code: the Django side turns query rows into the dataclasses below and renders what
comes back. All statistics come from ``prototypes.stats`` (fixed-sample intervals) and
``prototypes.sequential`` (confidence sequences); this module decides what is counted, over
which denominator, and how an interval becomes a verdict. The report's verdicts come from
``verdict_path``, which stays honest however often it is read; ``judge`` is the fixed-sample
verdict at one planned sample size.

A metric that cannot be computed because there is no data is ``None``, never 0: a task
nobody attempted has no completion rate, which is not the same as a rate of 0%.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from numbers import Real

import numpy as np

from prototypes import sequential, stats

DIRECT = "direct"
INDIRECT = "indirect"
GAVE_UP = "gave_up"
TIMED_OUT = "timed_out"
ABANDONED = "abandoned"
OUTCOMES = (DIRECT, INDIRECT, GAVE_UP, TIMED_OUT, ABANDONED)
SUCCESSFUL_OUTCOMES = (DIRECT, INDIRECT)
SEQ_ANSWERS = range(1, 8)

AT_LEAST = "at_least"
AT_MOST = "at_most"
COMPARISONS = (AT_LEAST, AT_MOST)

PROPORTION_METRICS = (
    "completion_rate",
    "direct_success_rate",
    "misclick_rate",
    "answer_share",
    "first_click_rate",
)
MEAN_METRICS = ("seq", "sus")
TIME_METRICS = ("time_on_task",)
# A bound a confidence sequence has not reached yet is infinite, and shown as None.
INFINITE = frozenset({math.inf, -math.inf})
BOOLEAN_TYPES = frozenset({bool, np.bool_})
# The ends of each bounded scale: betting confidence sequences need them.
SCALES = {"seq": (1.0, 7.0), "sus": (0.0, 100.0)}
METRICS = PROPORTION_METRICS + MEAN_METRICS + TIME_METRICS

PASS = "PASS"
FAIL = "FAIL"
NOT_YET = "NOT YET"
GO = "GO"
NO_GO = "NO-GO"


@dataclass(frozen=True)
class Attempt:
    """One participant's attempt at one task."""

    session_id: int
    task_id: int
    outcome: str  # one of OUTCOMES
    seconds: float | None  # time on task
    clicks: int
    misclicks: int
    first_click_success: bool | None
    seq: int | None  # Single Ease Question answer, 1 to 7


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its confidence interval.

    ``low`` and ``high`` are None when the sample is too small for an interval (one value
    of a continuous metric). For proportions ``successes`` and ``trials`` are the counts
    behind the rate; ``trials`` differs from ``n`` only for the misclick rate, whose trials
    are clicks while ``n`` counts attempts.
    """

    value: float
    low: float | None
    high: float | None
    n: int
    successes: int | None = None
    trials: int | None = None


@dataclass(frozen=True)
class TaskMetrics:
    """Everything the report shows about one task.

    ``n`` counts every attempt that started, abandoned ones included: a participant who
    leaves the session in the middle of a task did not complete it, and people tend to
    leave when they are stuck, so dropping them would flatter the completion rate.
    Rates are fractions from 0 to 1.

    The misclick interval treats every click as an independent trial. Clicks by the same
    participant are not independent (someone lost tends to misclick repeatedly), so that
    interval is narrower than the truth; the report should present it as indicative.
    """

    n: int
    completion: Estimate | None
    direct_success: Estimate | None
    indirect_rate: float | None
    gave_up_rate: float | None
    timed_out_rate: float | None
    abandoned_rate: float | None
    time_on_task: Estimate | None  # geometric mean of successful attempts, in seconds
    median_time: float | None  # median of the same times
    misclick: Estimate | None  # misclicks over clicks
    first_click: Estimate | None
    seq: Estimate | None


@dataclass(frozen=True)
class SusSummary:
    mean: float
    low: float | None
    high: float | None
    grade: str  # grade of the mean on the Sauro-Lewis curved grading scale
    n: int


@dataclass(frozen=True)
class Criterion:
    metric: str  # one of METRICS
    comparison: str  # AT_LEAST or AT_MOST
    threshold: float  # a fraction for proportion metrics, seconds for time on task
    must_have: bool


@dataclass(frozen=True)
class CriterionVerdict:
    verdict: str  # PASS, FAIL or NOT_YET
    estimate: float | None
    low: float | None
    high: float | None
    n: int
    participants_needed: int | None  # fixed-sample ``judge`` only: the total to plan for
    # ``verdict_path`` only: how many more participants would likely settle a NOT YET.
    more_participants: int | None = None
    settled_at: int | None = None  # ``verdict_path`` only: n at which PASS or FAIL came


def task_metrics(attempts: Sequence[Attempt], confidence=0.95) -> TaskMetrics:
    """Metrics of one task from all its attempts.

    Only time on task and its median are restricted to successful attempts: the time of a
    failure says how long someone struggled, not how long the task takes. Attempts without a
    recorded time, first click or SEQ answer are left out of those metrics only.
    """
    counts = dict.fromkeys(OUTCOMES, 0)
    times = []
    clicks = misclicks = clicking_attempts = 0
    first_click_attempts = first_click_successes = 0
    seq_answers = []
    for attempt in attempts:
        if attempt.outcome not in counts:
            raise ValueError(f"unknown attempt outcome {attempt.outcome!r}")
        counts[attempt.outcome] += 1
        if attempt.outcome in SUCCESSFUL_OUTCOMES and attempt.seconds is not None:
            times.append(attempt.seconds)
        if attempt.misclicks < 0 or attempt.misclicks > attempt.clicks:
            raise ValueError(
                f"an attempt cannot have {attempt.misclicks} misclicks in {attempt.clicks} clicks"
            )
        if attempt.clicks:
            clicks += attempt.clicks
            misclicks += attempt.misclicks
            clicking_attempts += 1
        if attempt.first_click_success is not None:
            first_click_attempts += 1
            first_click_successes += attempt.first_click_success
        if attempt.seq is not None:
            if attempt.seq not in SEQ_ANSWERS:
                raise ValueError(f"SEQ answers run from 1 to 7, got {attempt.seq!r}")
            seq_answers.append(attempt.seq)

    n = len(attempts)
    successes = counts[DIRECT] + counts[INDIRECT]
    return TaskMetrics(
        n=n,
        completion=_proportion(successes, n, confidence),
        direct_success=_proportion(counts[DIRECT], n, confidence),
        indirect_rate=_rate(counts[INDIRECT], n),
        gave_up_rate=_rate(counts[GAVE_UP], n),
        timed_out_rate=_rate(counts[TIMED_OUT], n),
        abandoned_rate=_rate(counts[ABANDONED], n),
        time_on_task=_time(times, confidence),
        median_time=stats.median(times) if times else None,
        misclick=_proportion(misclicks, clicks, confidence, n=clicking_attempts),
        first_click=_proportion(first_click_successes, first_click_attempts, confidence),
        seq=_mean(seq_answers, confidence),
    )


def sus_summary(answer_lists: Iterable[Sequence[int]], confidence=0.95) -> SusSummary | None:
    """Mean SUS score with its interval and grade; None when nobody answered the SUS."""
    return sus_summary_of_scores([stats.sus_score(answers) for answers in answer_lists], confidence)


def sus_summary_of_scores(scores: Sequence[float], confidence=0.95) -> SusSummary | None:
    """``sus_summary`` from scores already computed with ``stats.sus_score``."""
    if not scores:
        return None
    estimate = _mean(scores, confidence)
    return SusSummary(
        mean=estimate.value,
        low=estimate.low,
        high=estimate.high,
        grade=stats.sus_grade(estimate.value),
        n=estimate.n,
    )


def judge(
    criterion: Criterion,
    estimate,
    low,
    high,
    n,
    successes=None,
    *,
    trials=None,
    confidence=0.95,
) -> CriterionVerdict:
    """Verdict on one criterion from an estimate and its confidence interval.

    PASS when every value in the interval meets the criterion (an "at least 0.8" criterion
    passes with an interval starting at exactly 0.8), FAIL when no value in it does, NOT YET
    otherwise, and NOT YET without data or without an interval. For a NOT YET,
    ``participants_needed`` projects the sample that would settle the question if the
    observed result held: through the adjusted-Wald interval for proportions (pass
    ``successes``, and ``trials`` when they are not the n participants), and through the
    t-interval for means and time on task, with the standard deviation recovered from the
    interval's width (on the log scale for time). ``confidence`` must be the level the
    interval was computed at.
    """
    _check_criterion(criterion)
    if not n or estimate is None or low is None or high is None:
        return CriterionVerdict(NOT_YET, estimate, low, high, n or 0, None)

    if criterion.comparison == AT_LEAST:
        passed = low >= criterion.threshold
        failed = high < criterion.threshold
    else:
        passed = high <= criterion.threshold
        failed = low > criterion.threshold
    if passed or failed:
        return CriterionVerdict(PASS if passed else FAIL, estimate, low, high, n, None)

    needed = _participants_needed(criterion, estimate, low, high, n, successes, trials, confidence)
    return CriterionVerdict(NOT_YET, estimate, low, high, n, needed)


def judge_estimate(criterion: Criterion, estimate: Estimate | None, confidence=0.95):
    """``judge`` for an ``Estimate`` from ``task_metrics``; None means no data."""
    if estimate is None:
        return judge(criterion, None, None, None, 0, confidence=confidence)
    return judge(
        criterion,
        estimate.value,
        estimate.low,
        estimate.high,
        estimate.n,
        estimate.successes,
        trials=estimate.trials,
        confidence=confidence,
    )


def verdict_path(criterion: Criterion, outcomes, confidence=0.90) -> list[CriterionVerdict]:
    """The verdict after each participant: element i is what the report shows after
    ``outcomes[:i + 1]``, valid however often it is read.

    ``outcomes`` come in arrival order: booleans for proportion metrics (one per trial: per
    participant, or per click for the misclick rate), SEQ answers from 1 to 7, SUS scores from
    0 to 100, or task times in seconds. Each element's ``low`` and ``high`` are the running
    intersection of a confidence sequence (``prototypes.sequential``): beta-binomial mixtures
    for proportions, betting sequences for SEQ and SUS, and for time the median, through the
    signs of the times against it, so the guarantee holds for log-normal and heavy-tailed
    times alike. A bound the sequence has not reached yet is None.

    The verdict is PASS once the sequence's test at the threshold proves the criterion met,
    FAIL once it proves it missed, and then never changes: at confidence c a false PASS and
    a false FAIL each happen with probability at most (1 − c)/2 over the whole path, however
    long. ``settled_at`` is the n at which it settled. The last element of a NOT YET path
    carries ``more_participants``: how many more trials would settle it in
    ``SETTLE_SHARE`` of simulated continuations drawn from the results so far (None when
    more than ``PROJECTION_HORIZON`` would be needed). Bad input raises ValueError.
    """
    steps = _steps(criterion, outcomes, confidence)
    if steps is None:
        return []
    values, estimates, lows, highs, settled_at, settled = steps
    path = [
        CriterionVerdict(NOT_YET, estimate, low, high, n, None)
        if settled_at is None or n < settled_at
        else CriterionVerdict(settled, estimate, low, high, n, None, None, settled_at)
        for n, estimate, low, high in zip(
            range(1, len(estimates) + 1),
            estimates.tolist(),
            _shown_bounds(lows),
            _shown_bounds(highs),
            strict=True,
        )
    ]
    if settled_at is None:
        path[-1] = _with_projection(path[-1], criterion, values, confidence)
    return path


def latest_verdict(criterion: Criterion, outcomes, confidence=0.90) -> CriterionVerdict | None:
    """``verdict_path(criterion, outcomes, confidence)[-1]`` (None for no outcomes), without
    building the verdicts before it: what a report shows."""
    steps = _steps(criterion, outcomes, confidence)
    if steps is None:
        return None
    values, estimates, lows, highs, settled_at, settled = steps
    [low], [high] = _shown_bounds(lows[-1:]), _shown_bounds(highs[-1:])
    n = len(estimates)
    if settled_at is not None:
        return CriterionVerdict(settled, float(estimates[-1]), low, high, n, None, None, settled_at)
    latest = CriterionVerdict(NOT_YET, float(estimates[-1]), low, high, n, None)
    return _with_projection(latest, criterion, values, confidence)


def _steps(criterion, outcomes, confidence):
    """What every step of a verdict path reads: the checked values; as arrays over n = 1..
    len(outcomes), the estimates and the running intersection's bounds; the n at which PASS
    or FAIL came (None while NOT YET) and which. None when there are no outcomes."""
    _check_criterion(criterion)
    sequential.log_threshold(confidence)
    values = _path_values(criterion, outcomes)
    if not len(values):
        return None
    low, high, above, below, estimates = _sequence(criterion, values, confidence)
    passes, fails = (above, below) if criterion.comparison == AT_LEAST else (below, above)
    running_low, running_high = sequential.running_intersection(low, high)
    passes, fails = np.asarray(passes), np.asarray(fails)
    deciding = np.flatnonzero(passes != fails)
    if not deciding.size:
        settled_at, settled = None, NOT_YET
    else:
        first = int(deciding[0])
        settled_at, settled = first + 1, (PASS if passes[first] else FAIL)
    return (
        values,
        np.asarray(estimates, dtype=float),
        running_low,
        running_high,
        settled_at,
        settled,
    )


def _shown_bounds(bounds):
    """Plain Python numbers, None for a bound the sequence has not reached yet."""
    return [None if bound in INFINITE else bound for bound in bounds.tolist()]


def _with_projection(verdict, criterion, values, confidence):
    more = _more_participants(criterion, values, confidence)
    return CriterionVerdict(**{**verdict.__dict__, "more_participants": more})


# A NOT YET's projection: the number of more trials after which this share of simulated
# continuations has settled, looking no further than the horizon. Seeded: the same results
# always give the same projection.
SETTLE_SHARE = 0.8
PROJECTION_PATHS = 200
PROJECTION_HORIZON = 1000
PROJECTION_SEED = 13


@lru_cache(maxsize=256)
def sample_to_settle(criterion: Criterion, confidence=0.90) -> int | None:
    """The participants a study needs to plausibly settle ``criterion``, for planning.

    "Plausibly" means: when the truth lies halfway between the threshold and the best end
    of the scale, ``SETTLE_SHARE`` of seeded simulated studies reach PASS by then. Halfway is
    a rate of 0.9 for "at least 80%"; for time, three in four times within the threshold
    (halfway from the median's 1/2 to 1); for SEQ and SUS, answers split evenly
    between the threshold and the best answer (7 or 100), the most spread such a mean allows.
    None when not within ``PROJECTION_HORIZON`` participants.
    """
    _check_criterion(criterion)
    at_least = criterion.comparison == AT_LEAST
    rng = np.random.default_rng(PROJECTION_SEED)
    shape = (PROJECTION_PATHS, PROJECTION_HORIZON)
    if criterion.metric in MEAN_METRICS:
        lowest, highest = SCALES[criterion.metric]
        threshold = (criterion.threshold - lowest) / (highest - lowest)
        best = 1.0 if at_least else 0.0
        values = np.where(rng.random(shape) < 0.5, best, threshold)
        bets = sequential.predictable_bets(values, confidence)
        capital = sequential.log_capital_above if at_least else sequential.log_capital_below
        passed = capital(values, bets, threshold) >= sequential.log_threshold(confidence)
    else:
        threshold, proves_above = criterion.threshold, at_least
        if criterion.metric in TIME_METRICS:
            # Times within the threshold are the successes; "at most" wants many of them.
            threshold, proves_above = 0.5, not at_least
        rate = (threshold + (1.0 if proves_above else 0.0)) / 2
        above, below = sequential.proportion_rules(threshold, confidence, PROJECTION_HORIZON)
        successes = np.cumsum(rng.random(shape) < rate, axis=1)
        sizes = np.arange(1, PROJECTION_HORIZON + 1)
        passed = successes >= above[sizes] if proves_above else successes <= below[sizes]
    share = np.logical_or.accumulate(passed, axis=1).mean(axis=0)
    reached = np.flatnonzero(share >= SETTLE_SHARE)
    return int(reached[0]) + 1 if reached.size else None


def _path_values(criterion, outcomes):
    outcomes = list(outcomes)
    metric = criterion.metric
    # Checked once per type and then as arrays: a report reads thousands of outcomes, and
    # neither bool nor numpy's bool can be subclassed.
    types = {type(outcome) for outcome in outcomes}
    if metric in PROPORTION_METRICS:
        if not types <= BOOLEAN_TYPES:
            wrong = next(outcome for outcome in outcomes if type(outcome) not in BOOLEAN_TYPES)
            raise ValueError(f"{metric} outcomes are booleans, got {wrong!r}")
        return np.array(outcomes, dtype=bool)
    if any(issubclass(kind, bool) or not issubclass(kind, Real) for kind in types):
        wrong = next(
            value for value in outcomes if type(value) is bool or not isinstance(value, Real)
        )
        raise ValueError(f"{metric} outcomes are finite numbers, got {wrong!r}")
    values = np.array(outcomes, dtype=float)
    infinite = np.flatnonzero(~np.isfinite(values))
    if infinite.size:
        raise ValueError(f"{metric} outcomes are finite numbers, got {outcomes[infinite[0]]!r}")
    if metric in TIME_METRICS:
        if (values <= 0).any():
            raise ValueError("task times must be positive")
        return values
    lowest, highest = SCALES[metric]
    if metric == "seq" and not np.isin(values, SEQ_ANSWERS).all():
        raise ValueError(f"SEQ answers run from 1 to 7, got {outcomes!r}")
    if ((values < lowest) | (values > highest)).any():
        raise ValueError(f"{metric} values run from {lowest:g} to {highest:g}")
    if not lowest <= criterion.threshold <= highest:
        raise ValueError(
            f"a {metric} threshold lies from {lowest:g} to {highest:g}, got {criterion.threshold!r}"
        )
    return values


def _sequence(criterion, values, confidence):
    """(low, high, above, below, estimate) per sample size, from ``prototypes.sequential``."""
    sizes = np.arange(1, len(values) + 1)
    if criterion.metric in PROPORTION_METRICS:
        low, high, above, below = sequential.proportion_sequence(
            values, criterion.threshold, confidence
        )
        return low, high, above, below, np.cumsum(values) / sizes
    if criterion.metric in TIME_METRICS:
        low, high, above, below = sequential.median_sequence(
            values, criterion.threshold, confidence
        )
        return low, high, above, below, sequential.running_medians(values)
    lowest, highest = SCALES[criterion.metric]
    low, high, above, below = sequential.mean_sequence(
        values, lowest, highest, criterion.threshold, confidence
    )
    return low, high, above, below, np.cumsum(values) / sizes


def _more_participants(criterion, values, confidence):
    """More trials after which ``SETTLE_SHARE`` of continuations simulated from the results so
    far settle the criterion: Bernoulli draws at the observed rate for proportions and time
    (the share of times within the threshold), a bootstrap of the answers for SEQ and SUS."""
    rng = np.random.default_rng(PROJECTION_SEED)
    n, horizon = len(values), PROJECTION_HORIZON
    if criterion.metric in MEAN_METRICS:
        lowest, highest = SCALES[criterion.metric]
        scaled = (values - lowest) / (highest - lowest)
        threshold = (criterion.threshold - lowest) / (highest - lowest)
        future = rng.choice(scaled, size=(PROJECTION_PATHS, horizon))
        whole = np.concatenate([np.tile(scaled, (PROJECTION_PATHS, 1)), future], axis=1)
        bets = sequential.predictable_bets(whole, confidence)
        level = sequential.log_threshold(confidence)
        settled = (sequential.log_capital_above(whole, bets, threshold) >= level) | (
            sequential.log_capital_below(whole, bets, threshold) >= level
        )
        settled = settled[:, n:]
    else:
        hits, rate = values, criterion.threshold
        if criterion.metric in TIME_METRICS:
            hits, rate = values <= criterion.threshold, 0.5
        above, below = sequential.proportion_rules(rate, confidence, n + horizon, n + 1)
        # Single precision and 32-bit counts: the projection runs on every page view.
        future = rng.random((PROJECTION_PATHS, horizon), dtype=np.float32) < hits.mean()
        successes = hits.sum() + np.cumsum(future, axis=1, dtype=np.int32)
        sizes = np.arange(n + 1, n + horizon + 1)
        settled = (successes >= above[sizes]) | (successes <= below[sizes])
    # The share settled after k more is the share of paths first settled by then.
    first = np.where(settled.any(axis=1), settled.argmax(axis=1), horizon)
    share = np.cumsum(np.bincount(first, minlength=horizon + 1)[:horizon]) / PROJECTION_PATHS
    reached = np.flatnonzero(share >= SETTLE_SHARE)
    return int(reached[0]) + 1 if reached.size else None


def overall_verdict(verdicts_with_must_have: Iterable[tuple[CriterionVerdict, bool]]) -> str:
    """GO, NO-GO or NOT YET for a Study from ``(verdict, must_have)`` pairs.

    NO-GO as soon as one must-have criterion fails; GO when every must-have criterion
    passes; NOT YET otherwise. Nice-to-have criteria inform the report but never decide.
    A Study without must-have criteria stays NOT YET: nothing was declared decisive, and
    declaring GO on no evidence would be the one dishonest answer.
    """
    must_haves = [verdict.verdict for verdict, must_have in verdicts_with_must_have if must_have]
    if FAIL in must_haves:
        return NO_GO
    if must_haves and all(verdict == PASS for verdict in must_haves):
        return GO
    return NOT_YET


def _participants_needed(criterion, estimate, low, high, n, successes, trials, confidence):
    if criterion.metric in PROPORTION_METRICS:
        if successes is None:
            return None
        trials = n if trials is None else trials
        needed_trials = stats.participants_needed(
            successes, trials, criterion.threshold, confidence
        )
        if needed_trials is None:
            return None
        # Misclick trials are clicks; convert back to participants at the observed clicks
        # per participant.
        return math.ceil(needed_trials * n / trials)
    if n < 2:
        return None
    center, threshold, half_width = estimate, criterion.threshold, (high - low) / 2
    if criterion.metric in TIME_METRICS:
        center, threshold = math.log(estimate), math.log(criterion.threshold)
        half_width = (math.log(high) - math.log(low)) / 2
    t = stats.t_critical(confidence, n - 1)
    standard_deviation = half_width * math.sqrt(n) / t
    return stats.participants_needed_for_mean(center, standard_deviation, threshold, confidence)


def _check_criterion(criterion):
    if criterion.metric not in METRICS:
        raise ValueError(f"unknown criterion metric {criterion.metric!r}")
    if criterion.comparison not in COMPARISONS:
        raise ValueError(f"unknown criterion comparison {criterion.comparison!r}")
    if criterion.metric in PROPORTION_METRICS and not 0 <= criterion.threshold <= 1:
        raise ValueError(
            f"{criterion.metric} thresholds are fractions from 0 to 1, got {criterion.threshold!r}"
        )
    if criterion.metric in TIME_METRICS and criterion.threshold <= 0:
        raise ValueError(f"a time threshold must be positive, got {criterion.threshold!r}")


def _rate(count, total):
    return count / total if total else None


def _proportion(successes, trials, confidence, n=None):
    if not trials:
        return None
    low, high = stats.completion_interval(successes, trials, confidence)
    return Estimate(
        value=successes / trials,
        low=low,
        high=high,
        n=trials if n is None else n,
        successes=successes,
        trials=trials,
    )


def _time(seconds, confidence):
    if not seconds:
        return None
    if len(seconds) == 1:
        if seconds[0] <= 0:
            raise ValueError("task times must be positive")
        return Estimate(value=float(seconds[0]), low=None, high=None, n=1)
    value, low, high = stats.time_interval(seconds, confidence)
    return Estimate(value=value, low=low, high=high, n=len(seconds))


def _mean(values, confidence):
    if not values:
        return None
    if len(values) == 1:
        return Estimate(value=float(values[0]), low=None, high=None, n=1)
    value, low, high = stats.mean_interval(values, confidence)
    return Estimate(value=value, low=low, high=high, n=len(values))
