"""Concepts side by side: completion rates of studies on the same problem, task by task.

Tasks are matched by position (task 1 with task 1, ...), since each study has its own tasks.
Each later study is compared with the first one (the baseline) using the N-1 two-proportion
test; a reading in plain words says what the p-value does and does not mean.
"""

from dataclasses import dataclass

from prototypes import stats
from prototypes.reports.metrics import build_report
from prototypes.reports.present import (
    PERCENT,
    chance_in_words,
    format_confidence,
    format_p_value,
    format_value,
)

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class Concept:
    letter: str
    report: object

    @property
    def study(self):
        return self.report.study

    @property
    def name(self):
        return f"Concept {self.letter} (“{self.study.title}”)"


@dataclass(frozen=True)
class Test:
    """One concept's completion rate compared with the baseline's on one task."""

    baseline: Concept
    other: Concept
    p_value: float
    significant: bool
    reading: str


@dataclass(frozen=True)
class TaskRow:
    number: int
    cells: list  # (concept, task report or None) per concept
    tests: list


@dataclass(frozen=True)
class Comparison:
    concepts: list
    rows: list
    confidence: float

    @property
    def risk(self):
        return format_confidence(1 - self.confidence)


def compare(studies):
    """Compare two or more studies; ``studies`` in the order to show them, baseline first."""
    reports = [build_report(study) for study in studies]
    concepts = [Concept(LETTERS[index], report) for index, report in enumerate(reports)]
    # The strictest confidence among the studies sets the bar for calling a difference real.
    confidence = max(report.confidence for report in reports)
    rows = []
    for index in range(max(len(report.tasks) for report in reports)):
        cells = [
            (concept, concept.report.tasks[index] if index < len(concept.report.tasks) else None)
            for concept in concepts
        ]
        baseline, baseline_task = cells[0]
        tests = []
        for concept, task in cells[1:]:
            if baseline_task is None or task is None:
                continue
            if not baseline_task.metrics.n or not task.metrics.n:
                continue
            tests.append(_test(baseline, baseline_task, concept, task, confidence))
        rows.append(TaskRow(index + 1, cells, tests))
    return Comparison(concepts, rows, confidence)


def _test(baseline, baseline_task, other, other_task, confidence):
    a, b = baseline_task.completion, other_task.completion
    p_value = stats.compare_completion(a.successes, a.trials, b.successes, b.trials)
    significant = p_value < 1 - confidence
    return Test(
        baseline,
        other,
        p_value,
        significant,
        reading(other.name, b, baseline.name, a, p_value, confidence),
    )


def reading(name_b, rate_b, name_a, rate_a, p_value, confidence):
    """What a difference in completion rates means, in words a stakeholder can check.

    The p-value is the chance of a difference at least this large if both concepts truly
    performed alike; it is not the chance that one concept is better.
    """
    text_a = format_value(rate_a.value, PERCENT)
    text_b = format_value(rate_b.value, PERCENT)
    counts = f"{rate_b.successes} of {rate_b.trials} vs {rate_a.successes} of {rate_a.trials}"
    if rate_b.value == rate_a.value:
        return (
            f"{name_b} and {name_a} have the same completion rate ({text_b}; {counts}): "
            "these samples show no difference."
        )
    higher = "higher" if rate_b.value > rate_a.value else "lower"
    sentence = (
        f"{name_b}'s completion rate is {higher} than {name_a}'s ({text_b} vs {text_a}; "
        f"{counts}). If both concepts really performed the same, a difference at least this "
        f"large would arise by chance {chance_in_words(p_value)} ({format_p_value(p_value)}). "
    )
    risk = format_confidence(1 - confidence)
    if p_value < 1 - confidence:
        return sentence + (
            f"That is below the {risk} risk of a false alarm these studies accept, so the "
            "difference is unlikely to be chance alone."
        )
    return sentence + (
        f"That is above the {risk} risk these studies accept: chance could explain it, so "
        "these samples cannot tell the two concepts apart on this task."
    )
