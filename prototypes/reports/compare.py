"""Concepts side by side: completion rates of studies on the same problem, task by task.

Tasks are matched by position (task 1 with task 1, ...), since each study has its own tasks.
Each later study is compared with the first one (the baseline) through an anytime-valid
interval for the difference in completion rates (``sequential.difference_bounds``), so the
comparison may be read after every participant; a reading in plain words says whether the
concepts can be told apart yet. The N-1 two-proportion test's p-value is kept for the exports
as the one-look test at the current sample.
"""

from dataclasses import dataclass

from prototypes import analysis, sequential, stats
from prototypes.reports.metrics import build_report
from prototypes.reports.present import PERCENT, format_confidence, format_value

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
    p_value: float  # the one-look N-1 test at the current sample
    significant: bool  # told apart by the anytime-valid interval
    reading: str
    difference: tuple  # (low, high) of other − baseline, valid however often it is read


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
    difference = sequential.difference_bounds(
        _completions(baseline_task), _completions(other_task), confidence
    )
    return Test(
        baseline,
        other,
        stats.compare_completion(a.successes, a.trials, b.successes, b.trials),
        told_apart(difference),
        reading(other.name, b, baseline.name, a, difference, confidence),
        difference,
    )


def _completions(task_report):
    """Each counted attempt's success, in arrival order."""
    return [attempt.outcome in analysis.SUCCESSFUL_OUTCOMES for attempt in task_report.attempts]


def told_apart(difference):
    low, high = difference
    return low > 0 or high < 0


def reading(name_b, rate_b, name_a, rate_a, difference, confidence):
    """What a difference in completion rates means, in words a stakeholder can check.

    ``difference`` is the anytime-valid interval of rate_b − rate_a: the concepts are told
    apart only when it excludes no difference, and otherwise the reading says so plainly
    rather than projecting how many participants a tiny difference would need.
    """
    text_a = format_value(rate_a.value, PERCENT)
    text_b = format_value(rate_b.value, PERCENT)
    counts = f"{rate_b.successes} of {rate_b.trials} vs {rate_a.successes} of {rate_a.trials}"
    low, high = (_points(bound) for bound in difference)
    span = f"the difference lies between {low} and {high} percentage points"
    sure = format_confidence(confidence)
    if told_apart(difference):
        higher = "higher" if difference[0] > 0 else "lower"
        return (
            f"{name_b}'s completion rate is {higher} than {name_a}'s ({text_b} vs {text_a}; "
            f"{counts}): {span} ({sure} confidence, valid however often you look), so the "
            "difference is unlikely to be chance alone."
        )
    if rate_b.value == rate_a.value:
        observed = (
            f"{name_b} and {name_a} have the same completion rate so far ({text_b}; {counts})"
        )
    else:
        higher = "higher" if rate_b.value > rate_a.value else "lower"
        observed = (
            f"{name_b}'s completion rate is {higher} than {name_a}'s so far ({text_b} vs "
            f"{text_a}; {counts})"
        )
    return (
        f"{observed}, but the two concepts cannot be told apart yet: {span} ({sure} "
        "confidence, valid however often you look), and that includes no difference at all."
    )


def _points(difference):
    return f"{difference * 100:+.0f}".replace("-", "−")
