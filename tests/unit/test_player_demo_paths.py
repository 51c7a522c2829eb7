"""The demo's simulated participants succeed directly as often as their fates say.

The demo shop has two shortest routes from Home to Order detail: Account › My orders › Order 1042
(the task's expected path) and Help › Where is my order? › Order 1042. The Help tab comes first
on Home, so a breadth-first search over the hotspots finds the second; participants who
followed it were scored indirect (direct means the expected path), and the demo showed 2
direct successes against 22 indirect ones.
"""

from collections import Counter

import pytest

from prototypes.authoring.demo import create_demo_prototypes
from prototypes.player.demo import World, simulate_participants
from prototypes.sessions.models import TaskAttempt
from prototypes.studies.demo import create_demo_study
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def study():
    membership = factories.MembershipFactory(role="owner")
    versions = create_demo_prototypes(membership.workspace, membership.user)
    return create_demo_study(membership.workspace, membership.user, versions["shop"])


def test_the_first_task_has_another_shortest_route_than_its_expected_path(study):
    task = study.tasks.order_by("position").first()
    world = World(study)

    shortest = world.route(task.start_screen_id, world.goals[task.pk])

    assert len(shortest) == len(task.expected_path) - 1
    assert [hotspot.target_id for hotspot in shortest] != task.expected_path[1:]
    expected = world.expected_route(task)
    assert [hotspot.target_id for hotspot in expected] == task.expected_path[1:]


def test_most_simulated_participants_succeed_directly(study):
    simulate_participants(study, count=30)

    for task in study.tasks.all():
        attempts = TaskAttempt.objects.filter(task=task)
        outcomes = Counter(attempts.values_list("outcome", flat=True))
        assert outcomes.most_common(1)[0][0] == "direct", (task.instruction, outcomes)
        assert outcomes["direct"] > outcomes["indirect"] + outcomes["gave_up"], outcomes
        # A direct success is the expected path, click for click.
        for attempt in attempts.filter(outcome="direct"):
            assert attempt.path == task.expected_path
            assert attempt.clicks == len(task.expected_path) - 1
