"""Simulated participants: finished, varied, realistic sessions recorded through ingestion."""

from collections import Counter

import pytest

from prototypes.models import Answer, Comment, Event, ParticipantSession, TaskAttempt
from prototypes.player import demo, ingestion
from prototypes.player.demo import simulate_participants
from tests.unit.test_player_support import build_player_study

pytestmark = pytest.mark.django_db


def outcomes_of(study):
    return list(
        TaskAttempt.objects.filter(session__study=study)
        .order_by("session__external_participant_id", "task__position")
        .values_list("outcome", "clicks", "misclicks", "seq")
    )


def test_simulated_participants_finish_with_varied_outcomes():
    # The simulation is seeded by the study's title: a fixed title makes the outcomes the
    # same whatever order the tests run in.
    setup = build_player_study(title="Where is my parcel?")

    assert simulate_participants(setup.study, count=30) == 30

    sessions = ParticipantSession.objects.filter(study=setup.study)
    assert sessions.count() == 30
    assert all(s.state == "completed" and s.is_simulated for s in sessions)
    assert all(s.finished_at > s.started_at for s in sessions)
    assert TaskAttempt.objects.filter(session__study=setup.study).count() == 60
    outcomes = Counter(
        TaskAttempt.objects.filter(task=setup.task).values_list("outcome", flat=True)
    )
    assert set(outcomes) == {"direct", "indirect", "gave_up", "timed_out"}
    assert outcomes["direct"] > outcomes["gave_up"]
    assert TaskAttempt.objects.filter(misclicks__gt=0).exists()
    seqs = TaskAttempt.objects.filter(task=setup.task).values_list("seq", flat=True)
    assert all(1 <= seq <= 7 for seq in seqs)
    # The second task asks no SEQ.
    assert not TaskAttempt.objects.filter(task=setup.second_task, seq__isnull=False).exists()


def test_time_limits_are_respected():
    setup = build_player_study()
    simulate_participants(setup.study, count=30)

    limit_ms = setup.task.time_limit_seconds * 1000
    for attempt in TaskAttempt.objects.filter(task=setup.task):
        assert attempt.ended_ms - attempt.started_ms <= limit_ms
        if attempt.outcome == "timed_out":
            assert attempt.ended_ms - attempt.started_ms == limit_ms


def test_answers_and_comments_are_realistic():
    setup = build_player_study()
    simulate_participants(setup.study, count=30)

    sus = Answer.objects.filter(question=setup.questions["sus"])
    assert sus.count() == 30
    assert all(len(a.value) == 10 and all(1 <= v <= 5 for v in a.value) for a in sus)
    assert Answer.objects.filter(question=setup.questions["rating"]).count() == 30
    assert 0 < Answer.objects.filter(question=setup.questions["open"]).count() < 30
    assert Comment.objects.filter(session__study=setup.study).exists()
    comment = Comment.objects.first()
    assert 0 <= comment.x <= 1 and 0 <= comment.y <= 1


def test_the_simulation_goes_through_ingestion(monkeypatch):
    setup = build_player_study()
    calls = []
    real = ingestion.ingest_events

    def spy(token, events, dropped=0):
        calls.append(len(events))
        return real(token, events, dropped)

    monkeypatch.setattr(demo.ingestion, "ingest_events", spy)

    simulate_participants(setup.study, count=3)

    assert sum(calls) == Event.objects.count()
    assert max(calls) <= demo.BATCH_SIZE


def test_the_simulation_is_deterministic():
    first = build_player_study(title="Same study")
    second = build_player_study(title="Same study")

    simulate_participants(first.study, count=12)
    simulate_participants(second.study, count=12)

    assert outcomes_of(first.study) == outcomes_of(second.study)


def test_a_french_study_gets_french_comments():
    setup = build_player_study(language="fr")
    simulate_participants(setup.study, count=30)

    texts = set(Comment.objects.values_list("text", flat=True))
    assert texts and texts <= set(demo.COMMENTS["fr"])
