"""Participants arriving at the same moment on PostgreSQL are still spread evenly over the
concepts, and one participant arriving twice at once still sees one concept.

Each arrival runs in its own thread with its own connection, all released together by a
barrier, and starts its session and takes its concept in one transaction, as the player does.
"""

import threading
from collections import Counter

import pytest
from django.db import connection, transaction

from prototypes.studies import ab, participants
from prototypes.studies.models import ConceptAssignment, StudyConcept
from tests import factories

pytestmark = pytest.mark.integration

CONCEPTS = 3
ARRIVALS = 61


def concept_study():
    first = factories.published_shop_version(factories.WorkspaceFactory())
    study = factories.StudyFactory(workspace=first.prototype.workspace, prototype_version=first)
    versions = [first] + [first.prototype.draft.publish() for _ in range(CONCEPTS - 1)]
    for position, version in enumerate(versions):
        StudyConcept.objects.create(
            study=study, version=version, label="ABC"[position], position=position
        )
    return study


def arrive_together(study, participant_ids):
    barrier = threading.Barrier(len(participant_ids))
    failures = []

    def arrive(participant_id):
        try:
            barrier.wait(timeout=30)
            with transaction.atomic():
                session = participants.start_session(study, participant_id=participant_id)
                ab.assign_concept(session)
        except Exception as error:  # noqa: BLE001 - reported by the main thread
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=arrive, args=(pid,)) for pid in participant_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []


def test_concurrent_arrivals_are_spread_evenly(transactional_db):
    assert connection.vendor == "postgresql"
    study = concept_study()
    arrive_together(study, [""] * ARRIVALS)
    counts = Counter(
        ConceptAssignment.objects.filter(concept__study=study).values_list(
            "concept__label", flat=True
        )
    )
    assert sum(counts.values()) == ARRIVALS
    assert set(counts) == {"A", "B", "C"}
    assert max(counts.values()) - min(counts.values()) <= 1


def test_a_participant_arriving_twice_at_once_sees_one_concept(transactional_db):
    study = concept_study()
    arrive_together(study, ["panel-7"] * 8 + ["panel-8"] * 8 + [""] * 8)
    assignments = ConceptAssignment.objects.filter(concept__study=study)
    for key in ("pid:panel-7", "pid:panel-8"):
        assert assignments.filter(participant_key=key).count() == 8
        assert assignments.filter(participant_key=key).values("concept").distinct().count() == 1
    counts = ab.participants_per_concept(list(study.concepts.all()))
    # Ten distinct participants over three concepts: 4, 3, 3.
    assert sorted(counts.values()) == [3, 3, 4]
