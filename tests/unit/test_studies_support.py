"""What the tests of the studies' pages share: a study's screens by name, tasks, participants."""

from prototypes.studies import services
from tests import factories


def ids(version):
    return {screen.name: screen.pk for screen in version.screens.all()}


def add_task(study, start="Home", goals=("Order detail",), **fields):
    version_ids = ids(study.prototype_version)
    task = factories.TaskFactory(
        study=study,
        start_screen_id=version_ids[start],
        position=services.next_position(study.tasks),
        **fields,
    )
    task.goal_screens.set([version_ids[name] for name in goals])
    return task


def start_participant(study):
    return factories.SessionFactory(study=study)


def page(response):
    return response.content.decode()
