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
screen is found by its key (kept across versions of one prototype), or else by its name. The
comparison of the concepts is in ``prototypes.reports.concepts``.
"""

import random
from collections import Counter

from django.db import transaction
from django.db.models import Count, Q

from prototypes.authoring.models import Prototype, Screen
from prototypes.sessions.models import ParticipantSession
from prototypes.studies.models import ConceptAssignment, StudyConcept
from prototypes.studies.services import StudyRuleError

LABELS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def participant_key(session):
    """Who the participant is beyond this session, or "" when nobody can tell."""
    if session.external_participant_id:
        return f"pid:{session.external_participant_id}"
    return ""


def assign_concept(session, rng=random, new=False):
    """The concept ``session`` shows, assigning one if it has none; None without concepts.

    ``new`` says the session was created in this transaction, so has no concept yet (it saves
    the query that looks). The assignment is cached on the session
    (``session.concept_assignment``).
    """
    # Inside a caller's transaction (a session start) no savepoint: a failure here fails the
    # start anyway.
    with transaction.atomic(savepoint=False):
        concepts = list(
            StudyConcept.objects.select_for_update()
            .filter(study_id=session.study_id)
            .order_by("position", "id")
        )
        if not concepts:
            return None
        by_id = {concept.pk: concept for concept in concepts}
        current = None if new else ConceptAssignment.objects.filter(session=session).first()
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
        ConceptAssignment.objects.filter(session=session)
        .select_related("concept__version__prototype")
        .first()
    )
    return assignment.concept if assignment else None


def screen_counterparts(base_version, version):
    """Screen id in ``base_version`` -> its counterpart's id in ``version`` (same key, or else
    same name); screens without a counterpart are left out."""
    base = Screen.objects.filter(version=base_version).values_list("pk", "key", "name")
    others = Screen.objects.filter(version=version).values_list("pk", "key", "name")
    return match_screens(base, others)


def match_screens(base, others):
    """Base screen id -> its counterpart's id among ``others``; rows are (id, key, name)."""
    others = list(others)
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
        if Prototype.Kind.SCRIPTED in (
            version.prototype.kind,
            study.prototype_version.prototype.kind,
        ):
            # The player page draws a flow script before the participant has a session, so
            # before their concept is known: only paper screens can differ per participant.
            raise StudyRuleError(
                "Concepts are compared on paper prototypes: a scripted flow cannot be one of "
                "them yet."
            )
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
