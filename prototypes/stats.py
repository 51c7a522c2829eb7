"""Small-sample statistics for usability studies.

Every method follows Sauro & Lewis, *Quantifying the User Experience: Practical Statistics
for User Research*, 2nd ed. (Morgan Kaufmann, 2016), cited below as "QUX". The functions are
pure: they take counts or numbers and return numbers, so the report code can build on them
without a database.

Conventions shared by every function:

* ``confidence`` is the two-sided confidence level, strictly between 0 and 1.
* Bad arguments raise ``ValueError`` with a message meant for a developer.
* An interval that cannot be computed is refused with ``ValueError`` rather than returned as
  a zero-width interval: a t-interval needs at least two values, because one value says
  nothing about spread, and reporting ``(x, x, x)`` would look like perfect precision.
"""

import math
import statistics
from collections.abc import Sequence
from functools import lru_cache

import numpy as np


def _scipy_stats():
    # Imported on first use: scipy.stats takes seconds to import on a busy machine, and every
    # page would wait for it, since the URLs import these statistics through the events API.
    from scipy import stats

    return stats


# Beyond this many participants a study is no longer a prototype test; saying "more than
# ten thousand" is more useful to a stakeholder than an exact astronomical number.
MAX_PARTICIPANTS = 10_000

# The Sauro-Lewis curved grading scale (QUX ch. 8): the lowest mean SUS score of each grade.
SUS_GRADES = (
    (84.1, "A+"),
    (80.8, "A"),
    (78.9, "A-"),
    (77.2, "B+"),
    (74.1, "B"),
    (72.6, "B-"),
    (71.1, "C+"),
    (65.0, "C"),
    (62.7, "C-"),
    (51.7, "D"),
    (0.0, "F"),
)


def completion_interval(successes, trials, confidence=0.95):
    """Adjusted-Wald (Agresti-Coull) confidence interval for a proportion, as ``(low, high)``.

    Adds z²/2 successes and z² trials before applying the Wald formula, which gives the
    best coverage for the small samples of usability tests (QUX ch. 3, "Confidence interval
    for a completion rate"; Sauro & Lewis 2005, "Estimating completion rates from small
    samples using binomial confidence intervals"; Agresti & Coull 1998). The bounds are
    clipped to [0, 1]. ``successes`` may be fractional, which ``participants_needed`` uses to
    project an observed rate onto a larger sample.
    """
    _check_counts(successes, trials)
    if trials == 0:
        raise ValueError("a completion interval needs at least one trial")
    z = _z(confidence)
    adjusted_trials = trials + z * z
    adjusted_rate = (successes + z * z / 2) / adjusted_trials
    margin = z * math.sqrt(adjusted_rate * (1 - adjusted_rate) / adjusted_trials)
    return max(0.0, adjusted_rate - margin), min(1.0, adjusted_rate + margin)


def time_interval(seconds, confidence=0.95):
    """Geometric mean of task times with a confidence interval, as ``(mean, low, high)``.

    Task times are positively skewed, so the t-interval is computed on their natural
    logarithms and transformed back (QUX ch. 3, "Confidence interval for task-time data";
    MeasuringU, "Graph and Calculator for Confidence Intervals for Task Times", 2006). The
    interval is therefore asymmetric around the geometric mean. QUX recommends the
    geometric mean as the point estimate below about 25 values; ``median`` is the
    alternative for larger samples. Needs at least two times, all positive.
    """
    times = _values(seconds, minimum=2, what="time interval")
    if any(time <= 0 for time in times):
        raise ValueError("task times must be positive")
    log_mean, log_low, log_high = _t_interval(np.log(times), confidence)
    return math.exp(log_mean), math.exp(log_low), math.exp(log_high)


def mean_interval(values, confidence=0.95):
    """Arithmetic mean with a t confidence interval, as ``(mean, low, high)``.

    For rating scales such as the Single Ease Question and the SUS (QUX ch. 3, "Confidence
    interval for rating scales and other continuous data"). Needs at least two values. When
    every value is identical the sample shows no spread and the interval has zero width;
    that is what the t-interval says, and callers with very small samples should treat it
    with the caution its n deserves.
    """
    numbers = _values(values, minimum=2, what="mean interval")
    return _t_interval(numbers, confidence)


def median(values):
    """Median of a non-empty sample (QUX ch. 3 prefers it for task times from 25 values up)."""
    return statistics.median(_values(values, minimum=1, what="median"))


def sus_score(answers):
    """SUS score from 0 to 100 for ten answers from 1 to 5, given in questionnaire order.

    Odd items are positively worded and contribute ``answer - 1``; even items are negatively
    worded and contribute ``5 - answer``; the sum (0-40) is multiplied by 2.5 (Brooke 1996,
    "SUS: A quick and dirty usability scale"; QUX ch. 8).
    """
    answers = list(answers)
    if len(answers) != 10:
        raise ValueError(f"the SUS has ten items, got {len(answers)} answers")
    for answer in answers:
        if answer not in (1, 2, 3, 4, 5):
            raise ValueError(f"SUS answers are whole numbers from 1 to 5, got {answer!r}")
    total = sum(
        answer - 1 if position % 2 == 0 else 5 - answer for position, answer in enumerate(answers)
    )
    return total * 2.5


def sus_grade(score):
    """Letter grade (A+ to F) of a SUS score on the Sauro-Lewis curved grading scale.

    The scale maps percentile ranks of 241 industrial studies to grades, so that 68, the
    average score, is a C (QUX ch. 8, "the Sauro-Lewis curved grading scale"). The published
    ranges are given to one decimal; a score belongs to the highest grade whose lower bound
    it reaches, so 84.05 is an A, not an A+.
    """
    if not 0 <= score <= 100:
        raise ValueError(f"SUS scores run from 0 to 100, got {score!r}")
    for lowest_score, grade in SUS_GRADES:
        if score >= lowest_score:
            return grade
    raise AssertionError("unreachable: the F grade starts at 0")


def compare_completion(successes_a, trials_a, successes_b, trials_b):
    """Two-sided p-value of the N-1 two-proportion test between two independent groups.

    The usual two-proportion z statistic multiplied by sqrt((N - 1) / N), where N is the
    total sample size; QUX ch. 5 ("N-1 two-proportion test") recommends it for
    between-subjects comparisons of completion or conversion rates at any sample size,
    following Campbell (2007). See also MeasuringU, "How to Compare Two Proportions with the
    N-1 Two-Proportion Test". When both groups all succeeded or all failed there is no
    difference to test and the p-value is 1.
    """
    _check_counts(successes_a, trials_a)
    _check_counts(successes_b, trials_b)
    if trials_a == 0 or trials_b == 0:
        raise ValueError("both groups need at least one trial")
    total = trials_a + trials_b
    pooled = (successes_a + successes_b) / total
    variance = pooled * (1 - pooled) * (1 / trials_a + 1 / trials_b)
    if variance == 0:
        return 1.0
    difference = successes_a / trials_a - successes_b / trials_b
    z = difference * math.sqrt((total - 1) / total) / math.sqrt(variance)
    return float(2 * _scipy_stats().norm.sf(abs(z)))


def participants_needed(successes, trials, threshold, confidence=0.95):
    """Smallest total sample at which the observed rate would settle a threshold question.

    Assumes the observed rate ``successes / trials`` holds as the sample grows, and returns
    the smallest total number of participants n at which the adjusted-Wald interval (see
    ``completion_interval``) lies strictly on one side of ``threshold``: entirely above it
    when the observed rate is above, entirely below when it is below. The interval narrows
    monotonically as n grows at a fixed rate, so every larger n settles the question too.
    The answer can be at or below ``trials`` when the current sample already settles it.

    This is a projection, not a power calculation (compare QUX ch. 6, "Sample size
    estimation for binomial confidence intervals"): if the true rate differs from the
    observed one, more or fewer participants will be needed. Returns None when the observed
    rate equals the threshold (no sample size can separate them) or when more than
    ``MAX_PARTICIPANTS`` would be needed.
    """
    _check_counts(successes, trials)
    _check_confidence(confidence)
    if trials == 0:
        raise ValueError("participants_needed needs an observed rate, so at least one trial")
    if not 0 <= threshold <= 1:
        raise ValueError(f"a proportion threshold lies between 0 and 1, got {threshold!r}")
    rate = successes / trials
    if rate == threshold:
        return None
    z = _z(confidence)
    sizes = np.arange(1, MAX_PARTICIPANTS + 1, dtype=float)
    adjusted_trials = sizes + z * z
    adjusted_rates = (rate * sizes + z * z / 2) / adjusted_trials
    margins = z * np.sqrt(adjusted_rates * (1 - adjusted_rates) / adjusted_trials)
    if rate > threshold:
        settled = np.maximum(adjusted_rates - margins, 0.0) > threshold
    else:
        settled = np.minimum(adjusted_rates + margins, 1.0) < threshold
    if not settled.any():
        return None
    return int(sizes[settled.argmax()])


def participants_needed_for_mean(mean, standard_deviation, threshold, confidence=0.95):
    """Smallest sample at which a t-interval around ``mean`` would exclude ``threshold``.

    Assumes the observed mean and standard deviation hold as the sample grows, and returns
    the smallest n (at least 2) for which the t-interval half-width
    ``t(n - 1) * sd / sqrt(n)`` is smaller than the distance between mean and threshold.
    This is the iterative t-based sample-size estimate of QUX ch. 6 ("Estimating values")
    with the observed distance as the required precision. For task times pass the mean and
    standard deviation of the logarithms and the logarithm of the threshold. Returns None
    when the mean equals the threshold or more than ``MAX_PARTICIPANTS`` would be needed.
    """
    _check_confidence(confidence)
    if standard_deviation < 0:
        raise ValueError("a standard deviation cannot be negative")
    distance = abs(mean - threshold)
    if distance == 0:
        return None

    def settles(size):
        return t_critical(confidence, size - 1) * standard_deviation / math.sqrt(size) < distance

    # The half-width shrinks strictly as n grows, so a binary search finds the smallest n.
    if not settles(MAX_PARTICIPANTS):
        return None
    low, high = 2, MAX_PARTICIPANTS
    while low < high:
        middle = (low + high) // 2
        if settles(middle):
            high = middle
        else:
            low = middle + 1
    return low


def goodness_of_fit(counts):
    """p-value of Pearson's chi-square goodness-of-fit test against equal shares.

    For preference tests: a small p-value says the answers are not evenly spread over the
    options. Needs at least two options and at least one answer. The chi-square
    approximation is rough when an option expects fewer than about five answers, so small
    samples should be read through the per-option intervals instead.
    """
    counts = list(counts)
    if len(counts) < 2:
        raise ValueError("a goodness-of-fit test needs at least two options")
    if any(count < 0 for count in counts):
        raise ValueError("counts cannot be negative")
    if sum(counts) == 0:
        raise ValueError("a goodness-of-fit test needs at least one answer")
    return float(_scipy_stats().chisquare(counts).pvalue)


def _t_interval(values, confidence):
    values = np.asarray(values, dtype=float)
    size = len(values)
    mean = float(values.mean())
    margin = t_critical(confidence, size - 1) * float(values.std(ddof=1)) / math.sqrt(size)
    return mean, mean - margin, mean + margin


@lru_cache(maxsize=64)
def _z(confidence):
    _check_confidence(confidence)
    return float(_scipy_stats().norm.ppf(1 - (1 - confidence) / 2))


@lru_cache(maxsize=1024)
def t_critical(confidence, degrees_of_freedom):
    """Two-sided critical value of Student's t for ``confidence`` (QUX ch. 3)."""
    _check_confidence(confidence)
    if degrees_of_freedom < 1:
        raise ValueError("Student's t needs at least one degree of freedom")
    return float(_scipy_stats().t.ppf(1 - (1 - confidence) / 2, degrees_of_freedom))


def _check_confidence(confidence):
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence!r}")


def _check_counts(successes, trials):
    if successes < 0 or trials < 0:
        raise ValueError("counts cannot be negative")
    if successes > trials:
        raise ValueError(f"successes ({successes}) cannot exceed trials ({trials})")


def _values(values, minimum, what):
    values = list(values) if not isinstance(values, Sequence) else values
    if len(values) < minimum:
        noun = "value" if minimum == 1 else "values"
        raise ValueError(f"a {what} needs at least {minimum} {noun}, got {len(values)}")
    for value in values:
        if not math.isfinite(value):
            raise ValueError(f"values must be finite numbers, got {value!r}")
    return values
