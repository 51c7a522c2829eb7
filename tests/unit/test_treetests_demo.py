import pytest

from prototypes.models import Event, TaskAttempt
from prototypes.studies.models import Study, Task
from prototypes.treetests.demo import create_navigation_studies
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def studies(owner, workspace):
    problem = factories.ProblemFactory(workspace=workspace)
    return create_navigation_studies(workspace, owner, problem, participants=8)


def test_the_demo_tree_has_about_forty_labels_and_four_live_tasks(studies):
    tree_test, card_sort = studies
    assert tree_test.state == Study.State.LIVE
    assert 35 <= tree_test.prototype_version.tree_nodes.count() <= 45
    assert tree_test.tasks.filter(kind=Task.Kind.TREE_TEST).count() == 4
    assert card_sort.tasks.get().cards.count() == 30


def test_simulated_participants_leave_settled_attempts_through_the_events_api(studies):
    tree_test, card_sort = studies
    attempts = TaskAttempt.objects.filter(session__study=tree_test)
    assert attempts.count() == 8 * 4
    assert not attempts.filter(outcome="").exists()
    assert attempts.filter(outcome__in=["direct", "indirect"]).exists()
    # A tree attempt's path is the labels shown, its first click the first top level.
    assert attempts.exclude(first_click_success=None).exists()
    sorts = TaskAttempt.objects.filter(session__study=card_sort)
    assert set(sorts.values_list("outcome", flat=True)) == {"direct"}
    assert Event.objects.filter(session__study=card_sort, type="card_place").count() == 8 * 30
