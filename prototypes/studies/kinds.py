"""Tasks other than click-through: first-click, five-second and preference tests.

They run in the same player on the same prototypes and record the same events. A task of
these kinds ends when the participant has answered (first click given, screen seen, option
chosen), so its goal is its own start screen: the attempt is then a success of the activity,
and what the kind measures comes from its clicks and answers:

* first click: where the first click lands, inside the designer's target area or not;
* five-second: the answers to the recall questions attached to the task;
* preference: the answer to the preference question the task keeps for itself (one choice
  per option) and to its "why?" question.
"""

from django.utils import translation
from django.utils.translation import gettext

from prototypes.studies.models import Question, Task

MIN_OPTIONS = 2
MAX_OPTIONS = 6


def option_labels(screens):
    """(screen, label) of a preference test's options, in a stable order.

    A label is the screen's name, with its prototype version when two options share a name
    (the same screen in v1 and v2), so that a participant's choice names one option.
    """
    ordered = sorted(
        screens, key=lambda screen: (screen.version.number, screen.position, screen.pk)
    )
    names = [screen.name for screen in ordered]
    labels = []
    for screen in ordered:
        label = screen.name
        if names.count(screen.name) > 1:
            label = f"{screen.name} ({screen.version.label})"
        labels.append((screen, label))
    return labels


def duplicate_labels(screens):
    """Labels that would still name two options (the same name twice in one version)."""
    labels = [label for _, label in option_labels(screens)]
    return sorted({label for label in labels if labels.count(label) > 1})


def preference_question(task):
    return task.questions.filter(role=Question.Role.PREFERENCE).first()


def sync_task_questions(task):
    """Keep the questions a task's kind asks for itself in step with the task.

    A preference test keeps one single-choice question whose choices are its options' labels
    and whose text is the task's instruction, and one optional open "why?" question, asked in
    the study's language. Other kinds keep none of these (their recall questions, asked by the
    designer, are left alone).
    """
    own = task.questions.exclude(role=Question.Role.ASKED)
    if task.kind != Task.Kind.PREFERENCE:
        own.delete()
        return
    labels = [label for _, label in option_labels(task.options.select_related("version"))]
    study = task.study
    with translation.override(study.language):
        why = gettext("Why? What made you choose it?")
    position = study.questions.count()
    choice, _ = Question.objects.update_or_create(
        task=task,
        role=Question.Role.PREFERENCE,
        defaults={
            "study": study,
            "kind": Question.Kind.SINGLE,
            "text": task.instruction,
            "choices": labels,
            "required": True,
        },
        create_defaults={
            "study": study,
            "kind": Question.Kind.SINGLE,
            "text": task.instruction,
            "choices": labels,
            "required": True,
            "position": position,
        },
    )
    Question.objects.get_or_create(
        task=task,
        role=Question.Role.REASON,
        defaults={
            "study": study,
            "kind": Question.Kind.OPEN,
            "text": why,
            "required": False,
            "position": position + 1,
        },
    )
    return choice
