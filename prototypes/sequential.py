"""Anytime-valid statistics: confidence sequences that may be read after every participant.

A fixed-sample interval (``prototypes.stats``) promises its coverage at one sample size
chosen in advance. Designers and stakeholders read the verdict after every participant and
act on the first GO they see, which is optional stopping: reading an adjusted-Wald interval
after each of 100 participants shows a false PASS in about 18% of studies instead of 5%. A
confidence sequence holds at every sample size at once: with probability at least ``c`` the
truth lies inside every interval of the sequence, however often it is read and whenever the
study stops. Each side is built on its own at error (1 − c)/2, so a false PASS and a false
FAIL each happen with probability at most (1 − c)/2 over the whole path.

Every bound here is the inversion of a test martingale through Ville's inequality: a
non-negative (super)martingale that starts at 1 exceeds 1/a at any time with probability at
most a (Ville 1939; Howard, Ramdas, McAuliffe & Sekhon, "Time-uniform, nonparametric,
nonasymptotic confidence sequences", Ann. Stat. 49(2), 2021, §1 and Lemma 1). A value m is
ruled out as soon as the martingale of "the truth is m" reaches 2/(1 − c).

* Proportions: the one-sided conjugate (beta-binomial) mixture martingale of Robbins (1970,
  "Statistical methods related to the law of the iterated logarithm", Ann. Math. Stat.
  41(5)) with a uniform prior truncated to the alternative side, as in Howard et al. (2021,
  §3.1 and Proposition 7 on the beta-binomial mixture).
* Bounded means (SEQ 1–7, SUS 0–100): betting confidence sequences with the predictable
  plug-in bets, one-sided capital processes K⁺ and K⁻ (Waudby-Smith & Ramdas, "Estimating
  means of bounded random variables by betting", J. R. Stat. Soc. B 85(1), 2023, §4.2,
  equations (26)–(27), with the bets truncated at c/m, c = 3/4, as in §5.1).
* Task times: the median, through the sign of each time against a candidate median, which is
  a Bernoulli(1/2) trial at the true median whatever the distribution (log-normal or heavy-
  tailed alike); the sequence is the binomial one above read on order statistics (Howard &
  Ramdas, "Sequential estimation of quantiles with applications to A/B-testing and best-arm
  identification", Bernoulli 28(3), 2022, Theorem 2 and §3).

The functions are pure and vectorised with numpy: they take outcomes in arrival order and
return arrays, one element per sample size from 1 to n.
"""

import bisect
import math
from functools import lru_cache

import numpy as np
from scipy import special

# Waudby-Smith & Ramdas (2023, §5.1) truncate the bets at c/m so that capital stays positive;
# they recommend 1/2 or 3/4. 3/4 lets a run of top answers count sooner (14 straight SEQ
# answers of 7 prove "at least 5.5" instead of 20), at no cost to the guarantee.
BET_LIMIT = 0.75
# A bisection to this many halvings of its bracket pins a bound far below any digit the
# report shows.
BISECTIONS = 20
# Points of the grid that bounded-mean bounds are read on (plus the threshold itself), rounded
# outwards: 0.4 points on the SUS, 0.024 on the SEQ.
MEAN_GRID = 256


def log_threshold(confidence):
    """log(2/(1 − c)): the level each one-sided test martingale must reach (Ville)."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence!r}")
    return math.log(2 / (1 - confidence))


# --- proportions ----------------------------------------------------------------------------


def log_mixture_above(successes, trials, p):
    """log of the one-sided beta-binomial mixture martingale against "the rate is p".

    The likelihood ratio of every rate q ≥ p against p, averaged over a uniform prior on
    [p, 1] (Robbins 1970; Howard et al. 2021, §3.1):

        M⁺ = B(1 + s, 1 + n − s) · (1 − I_p(1 + s, 1 + n − s)) / (p^s (1 − p)^(n − s) (1 − p))

    where B is the beta function and I the regularised incomplete beta function. Under any
    true rate at most p it is a non-negative supermartingale starting at 1, so it grows large
    only on evidence that the rate is above p. Arrays broadcast.
    """
    s = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    p = np.asarray(p, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        # 1 − I_p(a, b) = I_{1−p}(b, a) keeps precision where the tail is tiny.
        tail = special.betainc(1 + n - s, 1 + s, 1 - p)
        log_likelihood = special.xlogy(s, p) + special.xlog1py(n - s, -p)
        value = special.betaln(1 + s, 1 + n - s) + np.log(tail) - log_likelihood - np.log1p(-p)
    # At p = 0 a single success rules the rate out; at p = 1 nothing lies above.
    value = np.where(p <= 0, np.where(s > 0, np.inf, 0.0), value)
    return np.where(p >= 1, -np.inf, value)


def log_mixture_below(successes, trials, p):
    """The mirror of ``log_mixture_above``: evidence that the rate is below p."""
    s = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    return log_mixture_above(n - s, n, 1 - np.asarray(p, dtype=float))


@lru_cache(maxsize=64)
def proportion_rules(threshold, confidence, max_trials, min_trials=0):
    """For n = 0..max_trials, the fewest successes that prove the rate above ``threshold``
    and the most that prove it below, as two integer arrays (n + 1 and −1 when none can).

    The mixture grows with the successes at fixed n (checked in the tests), so each rule is
    one number per n, found by a bisection over the successes for every n at once; the
    simulations read these instead of evaluating the martingale on every path. Sample sizes
    below ``min_trials`` are not computed and read as "none".
    """
    level = log_threshold(confidence)
    n = np.arange(max_trials + 1, dtype=np.int64)
    skipped = n < min_trials

    def fewest(proves):
        # The smallest s in 0..n + 1 that proves, n + 1 standing for "none".
        low, high = np.zeros_like(n), n + 1
        while np.any(low < high):
            middle = (low + high) // 2
            accepted = proves(middle) & (middle <= n)
            high = np.where(accepted, middle, high)
            low = np.where(accepted | (low >= high), low, middle + 1)
        return low

    def proves_above(s):
        return ~skipped & (log_mixture_above(s, n, threshold) >= level)

    def proves_below(failures):
        # Proving "below" with s successes is proving "above 1 − p" with n − s failures.
        return ~skipped & (log_mixture_above(failures, n, 1 - threshold) >= level)

    return fewest(proves_above), n - fewest(proves_below)


# Bounds already computed, by confidence and then (successes, trials): a study's page is read
# again and again as participants arrive, and every earlier step of its path is the same.
# Emptied when it grows past BOUNDS_CACHE entries.
_bounds_cache = {}
BOUNDS_CACHE = 100_000


def proportion_bounds(successes, trials, confidence):
    """``proportion_bound_values`` for integer counts, remembering what it computed."""
    s = np.asarray(successes, dtype=np.int64)
    n = np.asarray(trials, dtype=np.int64)
    keys = list(zip(s.tolist(), n.tolist(), strict=True))
    known = _bounds_cache.setdefault(confidence, {})
    missing = sorted(set(keys).difference(known))
    if missing:
        if sum(map(len, _bounds_cache.values())) + len(missing) > BOUNDS_CACHE:
            known.clear()
            _bounds_cache.clear()
            _bounds_cache[confidence] = known
        counts = np.array(missing, dtype=float)
        low, high = proportion_bound_values(counts[:, 0], counts[:, 1], confidence)
        known.update(zip(missing, zip(low.tolist(), high.tolist(), strict=True), strict=True))
    found = np.array(list(map(known.__getitem__, keys)), dtype=float).reshape(len(keys), 2)
    return found[:, 0], found[:, 1]


def proportion_bound_values(successes, trials, confidence):
    """Confidence-sequence bounds of a rate after ``successes`` in ``trials`` (arrays).

    The lower bound is the largest rate the upward mixture rules out, the upper bound the
    smallest the downward one rules out; both found by bisection, returning the ruled-out
    end so that a bound at or beyond a threshold always means the threshold is ruled out.
    The mixture falls as p rises towards the observed rate, so the ruled-out rates below it
    form one interval (checked in the tests).
    """
    s = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    level = log_threshold(confidence)
    low = _bisect(lambda p: log_mixture_above(s, n, p) >= level, s / n, n)
    high = 1 - _bisect(lambda p: log_mixture_above(n - s, n, p) >= level, (n - s) / n, n)
    return low, high


def _bisect(ruled_out, rate, trials):
    """The largest rate in [0, ``rate``] that ``ruled_out`` accepts, when the accepted rates
    form a prefix; 0 when not even 0 is ruled out.

    The bound lies a few standard errors below the observed rate, so the bisection starts
    from that bracket when its lower end is ruled out, and from [0, that end] otherwise.
    """
    start = np.zeros_like(rate)
    inside = ruled_out(start)
    guess = np.maximum(rate - 5 * np.sqrt(rate * (1 - rate) / trials) - 5 / trials, 0.0)
    near = ruled_out(guess)
    low, high = np.where(near, guess, start), np.where(near, rate, guess)
    for _ in range(BISECTIONS):
        middle = (low + high) / 2
        accepted = ruled_out(middle)
        low = np.where(accepted, middle, low)
        high = np.where(accepted, high, middle)
    return np.where(inside, low, start)


def proportion_sequence(outcomes, threshold, confidence):
    """Per sample size 1..n: (low, high, above, below) for booleans in arrival order.

    ``above`` says the test at ``threshold`` proves the rate above it, ``below`` below it.
    """
    hits = np.cumsum(np.asarray(outcomes, dtype=float))
    trials = np.arange(1, len(hits) + 1, dtype=float)
    low, high = proportion_bounds(hits, trials, confidence)
    level = log_threshold(confidence)
    above = log_mixture_above(hits, trials, threshold) >= level
    below = log_mixture_below(hits, trials, threshold) >= level
    return low, high, above, below


def running_intersection(low, high):
    """The running intersection of a sequence's intervals, as two arrays.

    Still a confidence sequence with the same guarantee, and it only ever narrows, so a
    verdict read off it never flips (Howard et al. 2021, §1; Waudby-Smith & Ramdas 2023,
    §3). An interval disjoint from the running one means the sequence already missed the
    truth; it is skipped rather than leaving nothing to show.
    """
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    # Usually no interval is disjoint from the ones before it, and the intersection is two
    # running extremes; the loop below is needed only when one is to be skipped.
    running_low, running_high = np.maximum.accumulate(low), np.minimum.accumulate(high)
    before_low = np.concatenate([[-np.inf], running_low[:-1]])
    before_high = np.concatenate([[np.inf], running_high[:-1]])
    if np.all(low <= before_high) and np.all(high >= before_low):
        return running_low, running_high
    current_low, current_high = -np.inf, np.inf
    for index, (lower, upper) in enumerate(zip(low, high, strict=True)):
        if lower <= current_high and upper >= current_low:
            current_low, current_high = max(current_low, lower), min(current_high, upper)
        running_low[index], running_high[index] = current_low, current_high
    return running_low, running_high


def difference_bounds(outcomes_a, outcomes_b, confidence):
    """Anytime-valid bounds on rate_b − rate_a from two groups' booleans in arrival order.

    Each group gets its own running confidence sequence at 1 − (1 − c)/2, so both hold at
    every sample size together with probability at least c (a union bound over the two, as
    Howard et al. 2021 combine sequences), and the difference lies between the far ends:
    (low_b − high_a, high_b − low_a). The concepts are told apart once that excludes 0.
    """
    if not len(outcomes_a) or not len(outcomes_b):
        raise ValueError("both groups need at least one outcome")
    each = 1 - (1 - confidence) / 2
    bounds = []
    for outcomes in (outcomes_a, outcomes_b):
        hits = np.cumsum(np.asarray(outcomes, dtype=float))
        low, high = proportion_bounds(hits, np.arange(1.0, len(hits) + 1), each)
        low, high = running_intersection(low, high)
        bounds.append((low[-1], high[-1]))
    (low_a, high_a), (low_b, high_b) = bounds
    return float(low_b - high_a), float(high_b - low_a)


# --- bounded means --------------------------------------------------------------------------


def predictable_bets(scaled, confidence):
    """The predictable plug-in bets λ₁..λₙ of Waudby-Smith & Ramdas (2023, eq. (26)) for
    values already scaled to [0, 1], along the last axis.

    λ_t = sqrt(2 log(2/α) / (σ̂²_{t−1} t log(1 + t))), with σ̂²_t = (1/4 + Σ (x_i − μ̂_i)²)/(t + 1)
    and μ̂_t = (1/2 + Σ x_i)/(t + 1). Each bet uses only the values before it, which is
    what makes the capital a martingale.
    """
    x = np.asarray(scaled, dtype=float)
    t = np.arange(1, x.shape[-1] + 1, dtype=float)
    means = (0.5 + np.cumsum(x, axis=-1)) / (t + 1)
    spread = (0.25 + np.cumsum((x - means) ** 2, axis=-1)) / (t + 1)
    previous = np.concatenate([np.full(x.shape[:-1] + (1,), 0.25), spread[..., :-1]], axis=-1)
    return np.sqrt(2 * log_threshold(confidence) / (previous * t * np.log1p(t)))


def log_capital_above(scaled, bets, m):
    """log K⁺ₜ(m) for t = 1..n: the wealth of betting that the mean is above m.

    K⁺ₜ(m) = ∏ (1 + λ⁺ᵢ(m)(xᵢ − m)) with λ⁺ᵢ(m) = min(λᵢ, c/m) (Waudby-Smith & Ramdas 2023,
    eq. (27)); it is a non-negative supermartingale when the mean is at most m, and falls as m
    rises. ``m`` broadcasts against the values' last axis.
    """
    x = np.asarray(scaled, dtype=float)
    m = np.asarray(m, dtype=float)
    with np.errstate(divide="ignore"):
        bet = np.minimum(bets, BET_LIMIT / m)
    return np.cumsum(np.log1p(bet * (x - m)), axis=-1)


def log_capital_below(scaled, bets, m):
    """log K⁻ₜ(m): the mirror of ``log_capital_above`` for a mean below m."""
    return log_capital_above(1 - np.asarray(scaled, dtype=float), bets, 1 - np.asarray(m))


def mean_sequence(values, lowest, highest, threshold, confidence):
    """Per sample size 1..n: (low, high, above, below) of the mean of values bounded by
    [lowest, highest], in arrival order, through betting confidence sequences.

    The bounds are read on a grid of the scale that includes the threshold, rounded outwards:
    every mean at or below ``low`` (at or above ``high``) is ruled out.
    """
    x = (np.asarray(values, dtype=float) - lowest) / (highest - lowest)
    scaled_threshold = (threshold - lowest) / (highest - lowest)
    bets = predictable_bets(x, confidence)
    level = log_threshold(confidence)
    grid = np.union1d(np.linspace(0, 1, MEAN_GRID + 1), [scaled_threshold])[:, None]
    # K⁺ falls and K⁻ rises with m, so the ruled-out means are a prefix and a suffix.
    ruled_low = log_capital_above(x, bets, grid) >= level
    ruled_high = log_capital_below(x, bets, grid) >= level
    low_index = np.where(ruled_low.any(axis=0), ruled_low.sum(axis=0) - 1, 0)
    high_index = np.where(ruled_high.any(axis=0), len(grid) - ruled_high.sum(axis=0), -1)
    at = np.flatnonzero(grid[:, 0] == scaled_threshold)[0]
    scale = highest - lowest
    return (
        lowest + grid[low_index, 0] * scale,
        lowest + grid[high_index, 0] * scale,
        ruled_low[at],
        ruled_high[at],
    )


# --- medians --------------------------------------------------------------------------------


def median_sequence(values, threshold, confidence):
    """Per sample size 1..n: (low, high, above, below) of the median of positive values.

    At the true median each value falls at or below it with probability 1/2, whatever the
    distribution, so "the median is m" is the Bernoulli(1/2) hypothesis on the signs of the
    values against m (Howard & Ramdas 2022, Theorem 2). The rule that proves a rate above
    1/2 after n signs, s ≥ k(n), rules out every m at or above the k(n)-th smallest value:
    the upper bound is that order statistic, and the lower one mirrors it. ``above`` says
    the median is proven above ``threshold``; ``below`` that it is proven at or below it.
    """
    x = np.asarray(values, dtype=float)
    n = len(x)
    above_rule, below_rule = proportion_rules(0.5, confidence, n)
    low, high = np.zeros(n), np.full(n, np.inf)
    # Signs against the threshold; "at or below" is the success.
    at_or_below = np.cumsum(x <= threshold)
    ordered = []
    for size, value in enumerate(x.tolist(), start=1):
        bisect.insort(ordered, value)
        if above_rule[size] <= size:
            high[size - 1] = ordered[above_rule[size] - 1]
        if below_rule[size] >= 0:
            low[size - 1] = ordered[below_rule[size]] if below_rule[size] < size else np.inf
    sizes = np.arange(1, n + 1)
    proven_below = at_or_below >= above_rule[sizes]
    proven_above = at_or_below <= below_rule[sizes]
    return low, high, proven_above, proven_below


def running_medians(values):
    """The median of the first 1, 2, …, n values."""
    ordered, medians = [], []
    for value in values:
        bisect.insort(ordered, float(value))
        middle = len(ordered) // 2
        medians.append(
            ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
        )
    return medians
