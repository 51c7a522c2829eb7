"""The go/no-go comparison of a concept A/B study's concepts (see ``prototypes.studies.ab``).

Completion of every task per concept, each later concept tested against the first with the
N-1 two-proportion test (``stats.compare_completion``), with a reading in plain words.
"""

from collections import Counter
from dataclasses import dataclass

from django.db.models import Count

from prototypes import stats
from prototypes.reports.compare import reading
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
    p_value: float
    significant: bool
    reading: str


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
                            "reading": test.reading,
                        }
                        for test in row.tests
                    ],
                }
                for row in self.rows
            ],
        }


def compare_concepts(study, revision=None):
    """Completion of every task per concept, each later concept tested against the first with
    the N-1 two-proportion test; None when the study compares no concepts. Three queries."""
    concepts = list(StudyConcept.objects.filter(study=study).select_related("version__prototype"))
    if not concepts:
        return None
    tasks = list(study.tasks.order_by("position", "id"))
    sessions = study_sessions(study, revision)
    rows = (
        TaskAttempt.objects.filter(session__in=sessions)
        .exclude(outcome="", session__state=ParticipantSession.State.ACTIVE)
        .order_by()
        .values_list("task_id", "session__concept_assignment__concept_id", "outcome")
    )
    trials, successes = Counter(), Counter()
    for task_id, concept_id, outcome in rows:
        trials[task_id, concept_id] += 1
        if outcome in SUCCESSES:
            successes[task_id, concept_id] += 1
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
            ConceptCell(
                concept,
                _completion(
                    successes[task.pk, concept.pk], trials[task.pk, concept.pk], confidence
                ),
            )
            for concept in concepts
        ]
        baseline = cells[0]
        tests = [
            _test(baseline, cell, confidence)
            for cell in cells[1:]
            if baseline.completion.trials and cell.completion.trials
        ]
        table.append(ConceptTaskRow(task, number, cells, tests))
    return ConceptComparison(concepts, dict(participants), table, confidence)


def _completion(successes, trials, confidence):
    if not trials:
        return Measure(PERCENT, None, n=0, successes=0, trials=0)
    low, high = stats.completion_interval(successes, trials, confidence)
    return Measure(PERCENT, successes / trials, low, high, trials, successes, trials)


def _test(baseline, cell, confidence):
    a, b = baseline.completion, cell.completion
    p_value = stats.compare_completion(a.successes, a.trials, b.successes, b.trials)
    return ConceptTest(
        other=cell.concept,
        p_value=p_value,
        significant=p_value < 1 - confidence,
        reading=reading(
            f"Concept {cell.concept.label}",
            b,
            f"concept {baseline.concept.label}",
            a,
            p_value,
            confidence,
        ),
    )
