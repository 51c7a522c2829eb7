"""Tree tests' and card sorts' events through POST /api/sessions/<token>/events: checked
against the task's tree or cards, refused whole when wrong, stored once however often sent."""

import uuid

import pytest

from prototypes.sessions.models import Event, TaskAttempt
from prototypes.studies import participants
from prototypes.treetests.demo import create_navigation_studies
from tests import factories
from tests.unit.test_player_support import post_events

pytestmark = pytest.mark.django_db


def event(kind, t_ms, **fields):
    return {"id": str(uuid.uuid4()), "type": kind, "t_ms": t_ms, **fields}


@pytest.fixture
def studies(owner, workspace):
    problem = factories.ProblemFactory(workspace=workspace)
    return create_navigation_studies(workspace, owner, problem, participants=0)


def node(study, label):
    return study.prototype_version.tree_nodes.get(label=label).pk


def test_a_tree_test_sent_twice_is_stored_once_and_judged_from_its_steps(client, studies):
    study = studies[0]
    task = study.tasks.get(position=1)  # correct: Help › Returns › Return an item
    session = participants.start_session(study)
    events = [event("task_start", 100, task=task.pk)]
    for t_ms, label in enumerate(["Shop", None, "Help", "Returns", "Return an item"], start=1):
        data = {"node": node(study, label) if label else None}
        events.append(event("tree_step", t_ms * 1000, task=task.pk, data=data))
    chosen = node(study, "Return an item")
    events.append(event("task_end", 9000, task=task.pk, data={"reason": "done", "node": chosen}))
    first = post_events(client, session, events).json()
    again = post_events(client, session, events).json()
    assert (first, again) == ({"stored": 7, "duplicates": 0}, {"stored": 0, "duplicates": 7})
    attempt = TaskAttempt.objects.get(session=session, task=task)
    assert (attempt.outcome, attempt.first_click_success, attempt.clicks) == ("indirect", False, 5)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"type": "tree_step", "data": {"node": 10**9}}, "data.node must be the id of a label"),
        ({"type": "tree_step", "data": {"node": "Help"}}, "data.node must be the id of a label"),
        ({"type": "task_end", "data": {"reason": "gave_up", "node": None}}, 'data.reason "done"'),
        ({"type": "card_place", "data": {"card": 1, "group": "x"}}, "names a card sort's task"),
    ],
)
def test_a_bad_tree_event_refuses_the_whole_batch(client, studies, bad, message):
    study = studies[0]
    task = study.tasks.get(position=0)
    session = participants.start_session(study)
    good = event("task_start", 100, task=task.pk)
    wrong = {"id": str(uuid.uuid4()), "t_ms": 200, "task": task.pk, **bad}
    response = post_events(client, session, [good, wrong])
    assert response.status_code == 400 and message in response.json()["error"]
    assert not Event.objects.filter(session=session).exists()


def test_a_card_sort_refuses_cards_of_other_tasks_and_long_group_names(client, studies):
    study = studies[1]
    task = study.tasks.get()
    card = task.cards.first().pk
    session = participants.start_session(study)
    for data, message in [
        ({"card": card + 10_000, "group": "Help"}, "data.card must be the id"),
        ({"card": card, "group": "x" * 121}, "at most 120 characters"),
    ]:
        response = post_events(client, session, [event("card_place", 100, task=task.pk, data=data)])
        assert response.status_code == 400 and message in response.json()["error"]
    assert not Event.objects.filter(session=session).exists()
    ok = post_events(
        client,
        session,
        [event("card_place", 100, task=task.pk, data={"card": card, "group": "  My   account "})],
    )
    assert ok.status_code == 200
    assert Event.objects.get(session=session).data == {"card": card, "group": "My account"}
