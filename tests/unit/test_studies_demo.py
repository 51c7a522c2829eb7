import pytest

from prototypes import sketches
from prototypes.studies.demo import create_demo_study
from prototypes.studies.models import Study
from tests import factories


def demo_shop_links():
    """(screen, target) of every tappable element of the demo shop's sketches."""
    links = []
    for name, elements in sketches.DEMO_SHOP:
        for element in elements:
            items = element.get("items", [element])
            links += [(name, item["target"]) for item in items if item.get("target")]
    return links


@pytest.fixture
def shop(workspace):
    names = [name for name, _ in sketches.DEMO_SHOP]
    return factories.published_shop_version(workspace, names=names, links=demo_shop_links())


def test_the_demo_study_is_live_with_three_tasks_and_pre_registered_criteria(
    workspace, owner, shop
):
    study = create_demo_study(workspace, owner, shop)
    study.refresh_from_db()
    assert study.state == Study.State.LIVE
    assert study.went_live_at is not None
    assert study.share_links.count() == 1
    assert study.problem.title == "Customers can't find out where their order is"
    assert "support tickets" in study.problem.evidence

    names = {screen.pk: screen.name for screen in shop.screens.all()}
    tasks = list(study.tasks.prefetch_related("goal_screens"))
    assert [task.position for task in tasks] == [0, 1, 2]
    assert all(task.ask_seq and task.start_screen.name == "Home" for task in tasks)
    assert [[goal.name for goal in task.goal_screens.all()] for task in tasks] == [
        ["Order detail"],
        ["Contact"],
        ["Orders"],
    ]
    assert [names[pk] for pk in tasks[0].expected_path] == [
        "Home",
        "Account",
        "Orders",
        "Order detail",
    ]
    assert [names[pk] for pk in tasks[1].expected_path] == ["Home", "Help", "Contact"]

    assert [(q.kind, q.required) for q in study.questions.all()] == [
        ("sus", True),
        ("open", False),
    ]
    assert [(c.describe(), c.must_have) for c in study.criteria.all()] == [
        ("Completion rate of task 1 at least 70%", True),
        ("System Usability Scale (0–100) at least 68", False),
        ("Time on task (seconds) of task 1 at most 60 s", False),
    ]
    assert study.criteria.get(metric="sus").question.kind == "sus"


def test_the_demo_study_falls_back_on_positions_for_renamed_screens(workspace, owner):
    version = factories.published_shop_version(
        workspace,
        names=("Start", "Me", "List", "Detail", "Support"),
        links=(("Start", "Me"), ("Me", "List"), ("List", "Detail"), ("Start", "Support")),
    )
    study = create_demo_study(workspace, owner, version)
    goals = [[goal.name for goal in task.goal_screens.all()] for task in study.tasks.all()]
    assert goals == [["Detail"], ["Support"], ["List"]]
    assert study.state == Study.State.LIVE
