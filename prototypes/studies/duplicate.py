"""A new draft study made from an existing one: the same plan, none of its participants.

The copy keeps what was decided before the first participant (problem, prototype version,
concepts, tasks with their screens, cards and categories, questions, success criteria) and
starts afresh on everything that belongs to a run: it is a draft at revision 1 with consent
version 1, no share link, no sessions, no change log. Published versions are frozen, so the
copy points at the same screens and tree labels as the original.
"""

from django.db import transaction

from prototypes.cardsorts.models import Card, Category
from prototypes.studies.models import Criterion, Question, Study, StudyConcept, Task

# Fields of a study that describe its plan, copied as they are.
PLAN_FIELDS = (
    "problem_id",
    "prototype_version_id",
    "hypothesis",
    "consent_text",
    "target_participants",
    "language",
    "confidence",
    "show_hotspots_after_misclick",
    "completion_code",
    "redirect_url",
)
TASK_FIELDS = (
    "position",
    "kind",
    "instruction",
    "start_screen_id",
    "target_x",
    "target_y",
    "target_width",
    "target_height",
    "exposure_seconds",
    "expected_path",
    "sort_mode",
    "allow_unsorted",
    "time_limit_seconds",
    "ask_seq",
)
QUESTION_FIELDS = (
    "role",
    "position",
    "kind",
    "text",
    "choices",
    "scale_min",
    "scale_max",
    "required",
)
CRITERION_FIELDS = ("metric", "choice", "comparison", "threshold", "must_have", "position")


def _fields(obj, names):
    return {name: getattr(obj, name) for name in names}


@transaction.atomic
def duplicate_study(original, title, user):
    """A draft copy of `original` named `title`, created by `user`, in the same workspace."""
    study = Study.objects.create(
        workspace_id=original.workspace_id,
        title=title,
        created_by=user,
        **_fields(original, PLAN_FIELDS),
    )
    StudyConcept.objects.bulk_create(
        StudyConcept(study=study, version_id=c.version_id, label=c.label, position=c.position)
        for c in original.concepts.all()
    )
    tasks = {}
    for task in original.tasks.prefetch_related(
        "goal_screens", "options", "correct_nodes", "cards", "categories"
    ):
        copy = Task.objects.create(study=study, **_fields(task, TASK_FIELDS))
        copy.goal_screens.set(task.goal_screens.all())
        copy.options.set(task.options.all())
        copy.correct_nodes.set(task.correct_nodes.all())
        Card.objects.bulk_create(
            Card(task=copy, text=c.text, position=c.position) for c in task.cards.all()
        )
        Category.objects.bulk_create(
            Category(task=copy, label=c.label, position=c.position) for c in task.categories.all()
        )
        tasks[task.pk] = copy
    questions = {}
    for question in original.questions.all():
        questions[question.pk] = Question.objects.create(
            study=study, task=tasks.get(question.task_id), **_fields(question, QUESTION_FIELDS)
        )
    Criterion.objects.bulk_create(
        Criterion(
            study=study,
            task=tasks.get(criterion.task_id),
            question=questions.get(criterion.question_id),
            **_fields(criterion, CRITERION_FIELDS),
        )
        for criterion in original.criteria.all()
    )
    return study
