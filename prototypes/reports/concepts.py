"""The go/no-go comparison of a concept A/B study's concepts (see ``prototypes.studies.ab``).

Completion of every task per concept, each later concept compared with the first through an
anytime-valid interval for the difference (``sequential.difference_bounds``: the results are
read while participants arrive), with a reading in plain words. The N-1 two-proportion
test's p-value (``stats.compare_completion``) is kept as the one-look test for the exports.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import Count

from prototypes import sequential, stats
from prototypes.reports.compare import reading, told_apart
from prototypes.reports.metrics import Measure, study_sessions
from prototypes.reports.present import PERCENT
from prototypes.sessions.models import ParticipantSession, TaskAttempt
from prototypes.studies.models import StudyConcept

SUCCESSES = (TaskAttempt.Outcome.DIRECT, TaskAttempt.Outcome.INDIRECT)


@dataclass(frozen=True)
class ConceptCell:
    concept: StudyConcept
    completion: Measure


@dataclass(frozen=True)
class ConceptTest:
    other: StudyConcept
    p_value: float  # the one-look N-1 test at the current sample
    significant: bool  # told apart by the anytime-valid interval
    reading: str
    difference: tuple  # (low, high) of other − first, valid however often it is read


@dataclass(frozen=True)
class ConceptTaskRow:
    task: object
    number: int
    cells: list  # ConceptCell per concept, in concept order
    tests: list  # ConceptTest of each later concept against the first


@dataclass(frozen=True)
class ConceptComparison:
    concepts: list
    participants: dict  # concept id -> participants counted in the results
    rows: list
    confidence: float

    @property
    def counted(self):
        """(concept, participants counted) in concept order."""
        return [(concept, self.participants.get(concept.pk, 0)) for concept in self.concepts]

    def as_dict(self):
        return {
            "concepts": [
                {
                    "id": concept.pk,
                    "label": concept.label,
                    "version": str(concept.version),
                    "participants": self.participants.get(concept.pk, 0),
                }
                for concept in self.concepts
            ],
            "tasks": [
                {
                    "task": row.task.pk,
                    "number": row.number,
                    "completion": {
                        cell.concept.label: cell.completion.as_dict() for cell in row.cells
                    },
                    "tests": [
                        {
                            "concept": test.other.label,
                            "against": self.concepts[0].label,
                            "p_value": test.p_value,
                            "significant": test.significant,
                            "difference": {
                                "low": test.difference[0],
                                "high": test.difference[1],
                                "anytime_valid": True,
                            },
                            "reading": test.reading,
                        }
                        for test in row.tests
                    ],
                }
                for row in self.rows
            ],
        }


def compare_concepts(study, revision=None):
    """Completion of every task per concept, each later concept compared with the first; None
    when the study compares no concepts. Three queries."""
    concepts = list(StudyConcept.objects.filter(study=study).select_related("version__prototype"))
    if not concepts:
        return None
    tasks = list(study.tasks.order_by("position", "id"))
    sessions = study_sessions(study, revision)
    rows = (
        TaskAttempt.objects.filter(session__in=sessions)
        .exclude(outcome="", session__state=ParticipantSession.State.ACTIVE)
        .order_by("session_id", "id")
        .values_list("task_id", "session__concept_assignment__concept_id", "outcome")
    )
    # Each concept's successes in arrival order, for the anytime-valid comparison.
    completions = defaultdict(list)
    for task_id, concept_id, outcome in rows:
        completions[task_id, concept_id].append(outcome in SUCCESSES)
    participants = Counter(
        dict(
            sessions.filter(concept_assignment__isnull=False)
            .order_by()
            .values_list("concept_assignment__concept_id")
            .annotate(count=Count("id"))
        )
    )
    confidence = study.confidence
    table = []
    for number, task in enumerate(tasks, start=1):
        cells = [
            ConceptCell(concept, _completion(completions[task.pk, concept.pk], confidence))
            for concept in concepts
        ]
        baseline = cells[0]
        tests = [
            _test(baseline, cell, completions, task, confidence)
            for cell in cells[1:]
            if baseline.completion.trials and cell.completion.trials
        ]
        table.append(ConceptTaskRow(task, number, cells, tests))
    return ConceptComparison(concepts, dict(participants), table, confidence)


def _completion(outcomes, confidence):
    if not outcomes:
        return Measure(PERCENT, None, n=0, successes=0, trials=0)
    successes, trials = sum(outcomes), len(outcomes)
    low, high = stats.completion_interval(successes, trials, confidence)
    return Measure(PERCENT, successes / trials, low, high, trials, successes, trials)


def _test(baseline, cell, completions, task, confidence):
    a, b = baseline.completion, cell.completion
    difference = sequential.difference_bounds(
        completions[task.pk, baseline.concept.pk], completions[task.pk, cell.concept.pk], confidence
    )
    return ConceptTest(
        other=cell.concept,
        p_value=stats.compare_completion(a.successes, a.trials, b.successes, b.trials),
        significant=told_apart(difference),
        reading=reading(
            f"Concept {cell.concept.label}",
            b,
            f"concept {baseline.concept.label}",
            a,
            difference,
            confidence,
        ),
        difference=difference,
    )
