"""Concept A/B tests: one study, several prototype versions, one version per participant.

Each participant is assigned a concept when their session starts: the concept with the fewest
participants so far, ties broken at random, so that after any number of arrivals the
concepts' counts differ by at most one. Assignments of one study are serialised by locking its
concepts' rows (SELECT … FOR UPDATE on PostgreSQL; SQLite serialises writers anyway), so
participants arriving at the same moment cannot all land on the same concept. Nothing else
locks those rows, so the lock cannot deadlock with recruitment's or the study's own locks.

A returning participant keeps their concept: the same session keeps its assignment, and a new
session with the same participant id (from a panel's link) gets the concept of the earlier one
without counting twice. Screened-out participants never took part, so they do not count.

Tasks are written against the study's prototype version; in another concept's version each
screen is found by its key (kept across versions of one prototype), or else by its name.
"""

import random
from collections import Counter
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q

from prototypes import stats
from prototypes.authoring.models import Screen
from prototypes.player.models import ParticipantSession, TaskAttempt
from prototypes.reports.compare import reading
from prototypes.reports.metrics import Measure, study_sessions
from prototypes.reports.present import PERCENT
from prototypes.studies.models import ConceptAssignment, StudyConcept
from prototypes.studies.services import StudyRuleError

LABELS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
SUCCESSES = (TaskAttempt.Outcome.DIRECT, TaskAttempt.Outcome.INDIRECT)


def participant_key(session):
    """Who the participant is beyond this session, or "" when nobody can tell."""
    if session.external_participant_id:
        return f"pid:{session.external_participant_id}"
    return ""


def assign_concept(session, rng=random):
    """The concept ``session`` shows, assigning one if it has none; None without concepts."""
    with transaction.atomic():
        concepts = list(
            StudyConcept.objects.select_for_update()
            .filter(study_id=session.study_id)
            .order_by("position", "id")
        )
        if not concepts:
            return None
        by_id = {concept.pk: concept for concept in concepts}
        current = ConceptAssignment.objects.filter(session=session).first()
        if current is not None:
            return by_id[current.concept_id]
        key = participant_key(session)
        earlier = None
        if key:
            earlier = (
                ConceptAssignment.objects.filter(concept__in=concepts, participant_key=key)
                .order_by("assigned_at", "id")
                .first()
            )
        if earlier is not None:
            concept = by_id[earlier.concept_id]
        else:
            counts = participants_per_concept(concepts)
            fewest = min(counts[concept.pk] for concept in concepts)
            concept = rng.choice([c for c in concepts if counts[c.pk] == fewest])
        ConceptAssignment.objects.create(session=session, concept=concept, participant_key=key)
    return concept


def participants_per_concept(concepts):
    """Concept id -> distinct participants assigned to it, screened-out ones left out."""
    rows = (
        ConceptAssignment.objects.filter(concept__in=concepts)
        .exclude(session__state=ParticipantSession.State.SCREENED_OUT)
        .order_by()
        .values_list("concept_id")
        .annotate(
            anonymous=Count("id", filter=Q(participant_key="")),
            known=Count("participant_key", distinct=True, filter=~Q(participant_key="")),
        )
    )
    counts = Counter({concept.pk: 0 for concept in concepts})
    for concept_id, anonymous, known in rows:
        counts[concept_id] = anonymous + known
    return counts


def session_concept(session):
    """The concept assigned to ``session``, or None."""
    assignment = (
        ConceptAssignment.objects.filter(session=session).select_related("concept__version").first()
    )
    return assignment.concept if assignment else None


def screen_counterparts(base_version, version):
    """Screen id in ``base_version`` -> its counterpart's id in ``version`` (same key, or else
    same name); screens without a counterpart are left out."""
    base = list(Screen.objects.filter(version=base_version).values_list("pk", "key", "name"))
    others = list(Screen.objects.filter(version=version).values_list("pk", "key", "name"))
    by_key = {key: pk for pk, key, _ in others}
    by_name = {}
    for pk, _, name in others:
        by_name.setdefault(name.casefold(), pk)
    found = {}
    for pk, key, name in base:
        counterpart = by_key.get(key) or by_name.get(name.casefold())
        if counterpart is not None:
            found[pk] = counterpart
    return found


def missing_screens(study, version):
    """Names of screens the study's tasks use that ``version`` has no counterpart of."""
    used = set()
    for task in study.tasks.prefetch_related("goal_screens", "options"):
        used.add(task.start_screen_id)
        used.update(screen.pk for screen in task.goal_screens.all())
        used.update(task.expected_path)
    counterparts = screen_counterparts(study.prototype_version, version)
    names = Screen.objects.filter(pk__in=used - set(counterparts)).values_list("name", flat=True)
    return sorted(names)


# The go/no-go comparison of the concepts.


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


# Choosing the concepts.


def add_concept(study, version, label=""):
    """Compare ``version`` in ``study``; the study's own version becomes concept A first.

    Raises StudyRuleError once participants have started (assignments so far would no longer
    be balanced), for a version already compared, a label taken, or a version lacking screens
    the tasks use.
    """
    with transaction.atomic():
        _check_unstarted(study)
        concepts = list(StudyConcept.objects.select_for_update().filter(study=study))
        if any(concept.version_id == version.pk for concept in concepts):
            raise StudyRuleError(f"{version} is already one of the concepts.")
        missing = missing_screens(study, version)
        if missing:
            names = ", ".join(f"“{name}”" for name in missing)
            raise StudyRuleError(
                f"{version} has no screen {names}, which the tasks use (screens are matched "
                "by their key, or else by their name). Add or rename them first."
            )
        if not concepts and version.pk != study.prototype_version_id:
            concepts.append(
                StudyConcept.objects.create(
                    study=study, version=study.prototype_version, label=LABELS[0], position=0
                )
            )
        taken = {concept.label.casefold() for concept in concepts}
        label = label.strip() or next(
            (letter for letter in LABELS if letter.casefold() not in taken), ""
        )
        if not label:
            raise StudyRuleError("Give this concept a name.")
        if label.casefold() in taken:
            raise StudyRuleError(f"Another concept is already called “{label}”.")
        return StudyConcept.objects.create(
            study=study, version=version, label=label, position=len(concepts)
        )


def remove_concept(concept):
    """Stop comparing ``concept``; with one concept left, the study compares nothing."""
    study = concept.study
    with transaction.atomic():
        _check_unstarted(study)
        concept.delete()
        remaining = StudyConcept.objects.filter(study=study)
        if remaining.count() == 1:
            remaining.delete()


def _check_unstarted(study):
    if ParticipantSession.objects.filter(study=study).exists():
        raise StudyRuleError(
            "Participants have already started: changing the concepts now would leave them "
            "unevenly spread. Close this study and start a new one to compare other concepts."
        )
