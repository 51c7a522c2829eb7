"""Error rates and power of the verdicts when they are read after every participant.

A Monte Carlo check of ``analysis.verdict_path`` (confidence sequences) against today's
fixed-sample verdicts (``analysis.judge`` on adjusted-Wald and t intervals), for every metric
kind and both directions. Seeded and bounded: 2,000 simulated studies per line, each read
after every participant from 1 to 200, vectorised with numpy on per-n boundaries.

With the truth exactly at the threshold every PASS and every FAIL is false; at confidence
0.90 each must happen in at most 5% of studies (plus Monte Carlo error) over the whole path.
With the truth clearly better, the table prints the share of studies that reached PASS by
n = 20, 40 and 60.
"""

import numpy as np
import pytest
from scipy import stats as scipy_stats

from prototypes import analysis, sequential, stats

CONFIDENCE = 0.90
STUDIES = 2_000
READINGS = 200
POWER_AT = (20, 40, 60)
SEED = 20261207
NOMINAL = (1 - CONFIDENCE) / 2
# Three standard errors of a share of NOMINAL over STUDIES studies.
MONTE_CARLO_ERROR = 3 * np.sqrt(NOMINAL * (1 - NOMINAL) / STUDIES)

SUS_POINTS = np.arange(0, 100.1, 2.5)


def sus_distribution(centre):
    weights = scipy_stats.norm.pdf(SUS_POINTS, centre, 17)
    weights /= weights.sum()
    return weights, float(SUS_POINTS @ weights)


def seq_sampler(probabilities):
    answers = np.arange(1, 8)
    weights = np.array(probabilities, dtype=float)
    return lambda rng, shape: rng.choice(answers, size=shape, p=weights), float(answers @ weights)


def sus_sampler(centre):
    weights, mean = sus_distribution(centre)
    return lambda rng, shape: rng.choice(SUS_POINTS, size=shape, p=weights), mean


def lognormal_sampler(median):
    return lambda rng, shape: median * np.exp(rng.normal(0, 0.8, shape)), median


def heavy_sampler(median):
    # Log-Student-t with 2 degrees of freedom: log times with infinite variance.
    return lambda rng, shape: median * np.exp(0.6 * rng.standard_t(2, shape)), median


def bernoulli_sampler(rate):
    return lambda rng, shape: rng.random(shape) < rate, rate


# Metric kind, threshold, sampler at the threshold, sampler clearly better per direction.
SEQ_AT = (0, 0, 0, 0.15, 0.4, 0.25, 0.2)  # mean exactly 5.5
KINDS = [
    (
        "completion_rate",
        0.8,
        0.2,
        bernoulli_sampler,
        {"at_least": bernoulli_sampler(0.95), "at_most": bernoulli_sampler(0.05)},
    ),
    (
        "seq",
        5.5,
        5.5,
        lambda _: seq_sampler(SEQ_AT),
        {
            "at_least": seq_sampler((0, 0, 0, 0, 0.15, 0.35, 0.5)),
            "at_most": seq_sampler((0, 0, 0, 0.3, 0.5, 0.2, 0)),
        },
    ),
    ("sus", None, None, sus_sampler, {"at_least": sus_sampler(80), "at_most": sus_sampler(56)}),
    (
        "time_on_task",
        30.0,
        30.0,
        lognormal_sampler,
        {"at_least": lognormal_sampler(45), "at_most": lognormal_sampler(20)},
    ),
    (
        "time_on_task",
        30.0,
        30.0,
        heavy_sampler,
        {"at_least": heavy_sampler(45), "at_most": heavy_sampler(20)},
    ),
]


def sequential_readings(metric, comparison, threshold, values):
    """(passes, fails) per study and n, exactly as ``verdict_path`` decides them."""
    if metric in analysis.PROPORTION_METRICS or metric in analysis.TIME_METRICS:
        hits, rate = values, threshold
        if metric in analysis.TIME_METRICS:
            hits, rate = values <= threshold, 0.5
        above_rule, below_rule = sequential.proportion_rules(rate, CONFIDENCE, READINGS)
        successes = np.cumsum(hits, axis=1)
        sizes = np.arange(1, values.shape[1] + 1)
        above, below = successes >= above_rule[sizes], successes <= below_rule[sizes]
        if metric in analysis.TIME_METRICS:
            # Many times within the threshold prove the median below it.
            above, below = below, above
    else:
        lowest, highest = analysis.SCALES[metric]
        scaled = (values - lowest) / (highest - lowest)
        scaled_threshold = (threshold - lowest) / (highest - lowest)
        bets = sequential.predictable_bets(scaled, CONFIDENCE)
        level = sequential.log_threshold(CONFIDENCE)
        above = sequential.log_capital_above(scaled, bets, scaled_threshold) >= level
        below = sequential.log_capital_below(scaled, bets, scaled_threshold) >= level
    passes, fails = (above, below) if comparison == "at_least" else (below, above)
    # The first reading that proves one side alone settles the verdict for good.
    deciding = passes != fails
    first = np.where(deciding.any(axis=1), deciding.argmax(axis=1), -1)
    rows = np.arange(len(values))
    settled_pass = np.zeros_like(passes)
    settled_fail = np.zeros_like(fails)
    decided = first >= 0
    settled_pass[rows[decided], first[decided]] = passes[rows[decided], first[decided]]
    settled_fail[rows[decided], first[decided]] = fails[rows[decided], first[decided]]
    return (
        np.logical_or.accumulate(settled_pass, axis=1),
        np.logical_or.accumulate(settled_fail, axis=1),
    )


def fixed_readings(metric, comparison, threshold, values):
    """(shows PASS, shows FAIL) per study and n with today's fixed intervals and ``judge``."""
    sizes = np.arange(1, values.shape[1] + 1, dtype=float)
    if metric in analysis.PROPORTION_METRICS:
        z = scipy_stats.norm.ppf(1 - NOMINAL)
        adjusted_trials = sizes + z * z
        rate = (np.cumsum(values, axis=1) + z * z / 2) / adjusted_trials
        margin = z * np.sqrt(rate * (1 - rate) / adjusted_trials)
        low, high = np.maximum(rate - margin, 0), np.minimum(rate + margin, 1)
    else:
        data, limit = values, threshold
        if metric in analysis.TIME_METRICS:
            data, limit = np.log(values), np.log(threshold)
        mean = np.cumsum(data, axis=1) / sizes
        squares = np.cumsum(data * data, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            variance = np.maximum(squares - sizes * mean * mean, 0) / (sizes - 1)
            t = scipy_stats.t.ppf(1 - NOMINAL, sizes - 1)
            margin = t * np.sqrt(variance / sizes)
        # One value has no interval: the report shows NOT YET.
        margin[:, 0] = np.inf
        low, high, threshold = mean - margin, mean + margin, limit
    if comparison == "at_least":
        passes, fails = low >= threshold, high < threshold
    else:
        passes, fails = high <= threshold, low > threshold
    return np.logical_or.accumulate(passes, axis=1), np.logical_or.accumulate(fails, axis=1)


def scenarios():
    for metric, at_least_threshold, at_most_threshold, at, better in KINDS:
        # The five rate metrics (completion, direct success, first click, answer share,
        # misclick) share one method and one line.
        name = "rates (completion …)" if metric == "completion_rate" else metric
        if metric == "time_on_task":
            name += " (log-normal)" if at is lognormal_sampler else " (heavy-tailed)"
        for comparison, threshold in (
            ("at_least", at_least_threshold),
            ("at_most", at_most_threshold),
        ):
            if metric == "sus":
                null_sampler, threshold = at(68)
            else:
                null_sampler, _ = at(threshold)
            yield name, metric, comparison, threshold, null_sampler, better[comparison][0]


@pytest.mark.bench
def test_verdicts_read_after_every_participant_keep_their_error_rates(capsys):
    rng = np.random.default_rng(SEED)
    lines, failures = [], []
    header = (
        f"{'metric':28} {'direction':9} | {'anytime-valid: false PASS  FAIL  power@20/40/60':48}"
        f" | {'fixed today: false PASS  FAIL  power@20/40/60':46}"
    )
    for name, metric, comparison, threshold, null_sampler, better_sampler in scenarios():
        # Both methods read the very same studies.
        at_threshold = null_sampler(rng, (STUDIES, READINGS))
        better = better_sampler(rng, (STUDIES, READINGS))
        columns = []
        for readings in (sequential_readings, fixed_readings):
            passes, fails = readings(metric, comparison, threshold, at_threshold)
            false_pass, false_fail = passes[:, -1].mean(), fails[:, -1].mean()
            passes, _ = readings(metric, comparison, threshold, better)
            power = [passes[:, n - 1].mean() for n in POWER_AT]
            columns.append((false_pass, false_fail, power))
            if readings is sequential_readings:
                for label, share in (("false PASS", false_pass), ("false FAIL", false_fail)):
                    if share > NOMINAL + MONTE_CARLO_ERROR:
                        failures.append(f"{name} {comparison}: {label} {share:.1%}")
                if metric == "completion_rate" and comparison == "at_least" and power[-1] < 0.75:
                    failures.append(f"completion 0.95 vs at least 0.8: power {power[-1]:.0%}")
        cells = [
            f"{fp:10.1%} {ff:6.1%}  " + "/".join(f"{share:.0%}" for share in power)
            for fp, ff, power in columns
        ]
        lines.append(f"{name:28} {comparison:9} | {cells[0]:48} | {cells[1]:46}")
    with capsys.disabled():
        print(
            f"\nVerdicts read after every participant 1..{READINGS}, {STUDIES} studies per "
            f"line, confidence {CONFIDENCE}; nominal false PASS / FAIL {NOMINAL:.0%} each "
            f"(+{MONTE_CARLO_ERROR:.1%} Monte Carlo error allowed)"
        )
        print(header)
        print("\n".join(lines))
    assert not failures, failures


@pytest.mark.bench
def test_the_benchmark_measures_what_verdict_path_decides():
    rng = np.random.default_rng(SEED + 1)
    for name, metric, comparison, threshold, null_sampler, better_sampler in scenarios():
        for sampler in (null_sampler, better_sampler):
            values = sampler(rng, (6, 80))
            passes, fails = sequential_readings(metric, comparison, threshold, values)
            for row, study in enumerate(values):
                outcomes = [bool(v) for v in study] if study.dtype == bool else list(study)
                criterion = analysis.Criterion(metric, comparison, threshold, True)
                path = analysis.verdict_path(criterion, outcomes, CONFIDENCE)
                shown = np.array([step.verdict for step in path])
                expected = np.where(passes[row], "PASS", np.where(fails[row], "FAIL", "NOT YET"))
                assert (shown == expected[: len(shown)]).all(), (name, comparison)


def test_fixed_intervals_in_the_benchmark_are_the_reports_own():
    values = np.array([[True, True, False, True, True] * 4])
    low, high = stats.completion_interval(16, 20, CONFIDENCE)
    criterion = analysis.Criterion("completion_rate", "at_least", low, True)
    passes, _ = fixed_readings("completion_rate", "at_least", low - 1e-12, values)
    assert passes[0, -1]
    assert (
        analysis.judge(criterion, 0.8, low, high, 20, 16, confidence=CONFIDENCE).verdict == "PASS"
    )
