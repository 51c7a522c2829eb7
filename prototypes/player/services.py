"""Telling the player what the study holds, and which version a session shows."""

import math
from dataclasses import dataclass

from django.db.models import Prefetch, prefetch_related_objects
from django.utils.translation import gettext as _

from prototypes.authoring.models import Hotspot, Screen
from prototypes.studies import ab, kinds, sus
from prototypes.studies.models import ConceptAssignment, Question, Task
from prototypes.treetests.services import player_payload as navigation_payload


def shown_version(session):
    """The prototype version the session shows: its concept's in a concept A/B study, else the
    study's."""
    concept = ab.session_concept(session)
    return concept.version if concept else session.study.prototype_version


def shown_version_id(session):
    """The id of shown_version(session), without a query when the session's concept assignment
    is at hand (ab.assign_concept leaves it on a session it has just assigned)."""
    try:
        return session.concept_assignment.concept.version_id
    except ConceptAssignment.DoesNotExist:
        return session.study.prototype_version_id


def study_payload(study, version=None):
    """What the player needs to run the study, in the study's language (call it under
    `translation.override(study.language)`): five queries, however large the study (seven
    with a preference test, whose options may come from other versions).

    ``version`` is the one the participant is shown when it is not the study's own (a concept
    A/B study's other concepts): the tasks' screens are then their counterparts in it, found
    in two more queries.
    """
    version = version or study.prototype_version
    prototype = version.prototype
    counterparts = None
    if version.pk != study.prototype_version_id:
        counterparts = ab.screen_counterparts(study.prototype_version, version)
    tasks = list(study.tasks.prefetch_related("goal_screens"))
    if any(task.kind == Task.Kind.PREFERENCE for task in tasks):
        prefetch_related_objects(tasks, "options__version")
    # Screens of a scripted prototype have no image: the flow's markup draws them.
    screens = list(
        Screen.objects.filter(version=version, status=Screen.Status.READY)
        .prefetch_related(Prefetch("hotspots", queryset=Hotspot.objects.order_by("position", "id")))
        .order_by("position", "id")
    )
    questions = list(study.questions.all())
    by_id = {screen.pk: screen for screen in screens}
    return {
        "study": {
            "title": study.title,
            "language": study.language,
            "kind": prototype.kind,
            "device": prototype.device,
            "aspect_ratio": prototype.aspect_ratio,
            "show_hotspots_after_misclick": study.show_hotspots_after_misclick,
        },
        "tasks": [
            task_payload(task, index, by_id, questions, study.language, counterparts)
            for index, task in enumerate(tasks, start=1)
        ],
        "screens": [
            {
                "id": screen.pk,
                "name": screen.name,
                "image_url": screen.image.url if screen.image else None,
                "thumbnail_url": screen.thumbnail.url if screen.thumbnail else None,
                "width": screen.width,
                "height": screen.height,
                "hotspots": [
                    {
                        "id": hotspot.pk,
                        "label": hotspot.label,
                        "x": hotspot.x,
                        "y": hotspot.y,
                        "width": hotspot.width,
                        "height": hotspot.height,
                        "action": hotspot.action,
                        "target": hotspot.target_id,
                    }
                    for hotspot in screen.hotspots.all()
                ],
            }
            for screen in screens
        ],
        # Tree tests' tree, card sorts' cards (prototypes.treetests.services).
        **navigation_payload(version, tasks),
        # Questions attached to a task are asked right after it (see task_payload).
        "questions": [
            question_payload(question, study.language)
            for question in questions
            if question.task_id is None
        ],
    }


def task_payload(task, number, screens, questions, language, counterparts=None):
    """A task as the player runs it; ``screens`` are the shown version's by id and
    ``counterparts`` map the study's screens to theirs when it is another version."""

    def shown(screen_id):
        return counterparts.get(screen_id) if counterparts is not None else screen_id

    goals = (shown(screen.pk) for screen in task.goal_screens.all())
    payload = {
        "id": task.pk,
        "number": number,
        "kind": task.kind,
        "instruction": task.instruction,
        "start_screen": shown(task.start_screen_id),
        "goal_screens": sorted(goal for goal in goals if goal is not None),
        "time_limit_seconds": task.time_limit_seconds,
        "ask_seq": task.ask_seq,
        "questions": [
            question_payload(question, language)
            for question in questions
            if question.task_id == task.pk and question.role == Question.Role.ASKED
        ],
    }
    if task.kind in (Task.Kind.FIRST_CLICK, Task.Kind.FIVE_SECOND):
        # A first-click test's target area is never sent: participants must not see it.
        screen = screens.get(shown(task.start_screen_id))
        payload["screen"] = screen_picture(screen) if screen else None
    if task.kind == Task.Kind.FIVE_SECOND:
        payload["exposure_seconds"] = task.exposure_seconds
    if task.kind == Task.Kind.PREFERENCE:
        own = {question.role: question.pk for question in questions if question.task_id == task.pk}
        payload.update(
            options=[
                {**screen_picture(screen), "label": label}
                for screen, label in kinds.option_labels(task.options.all())
            ],
            preference_question=own.get(Question.Role.PREFERENCE),
            reason_question=own.get(Question.Role.REASON),
        )
    return payload


def screen_picture(screen):
    return {
        "id": screen.pk,
        "name": screen.name,
        "image_url": screen.image.url if screen.image else None,
        "width": screen.width,
        "height": screen.height,
    }


def question_payload(question, language):
    payload = {
        "id": question.pk,
        "kind": question.kind,
        "text": question.text,
        "required": question.required,
    }
    if question.kind == Question.Kind.SUS:
        low, high = sus.anchors(language)
        payload.update(
            text=question.text or _("Please rate how much you agree with each statement."),
            items=sus.items(language),
            scale_min=sus.SCALE_MIN,
            scale_max=sus.SCALE_MAX,
            anchors=[low, high],
        )
    elif question.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
        payload["choices"] = [str(choice) for choice in question.choices]
    elif question.kind == Question.Kind.RATING:
        payload.update(scale_min=question.scale_min, scale_max=question.scale_max)
    return payload


# Rough seconds a participant spends on each part, for the welcome page's estimate. Timed
# from the demo's simulated participants and rounded up: a participant who is told "about
# 5 minutes" and needs 8 feels misled, one who needs 4 does not.
TASK_SECONDS = {
    Task.Kind.CLICKTHROUGH: 90,
    Task.Kind.FIRST_CLICK: 30,
    Task.Kind.FIVE_SECOND: 45,
    Task.Kind.PREFERENCE: 45,
}
SEQ_SECONDS = 10
QUESTION_SECONDS = {Question.Kind.SUS: 120, Question.Kind.OPEN: 60}
OTHER_QUESTION_SECONDS = 20
WELCOME_SECONDS = 45


@dataclass(frozen=True)
class StudyLength:
    tasks: int
    questions: int
    minutes: int


def study_length(study):
    """How many tasks and questions the welcome page announces, and about how long it takes."""
    tasks = list(study.tasks.values_list("kind", "ask_seq", "time_limit_seconds"))
    questions = list(
        study.questions.filter(role=Question.Role.ASKED).values_list("kind", flat=True)
    )
    seconds = WELCOME_SECONDS
    for kind, ask_seq, time_limit in tasks:
        task_seconds = TASK_SECONDS.get(kind, TASK_SECONDS[Task.Kind.CLICKTHROUGH])
        if time_limit:
            task_seconds = min(task_seconds, time_limit)
        seconds += task_seconds + (SEQ_SECONDS if ask_seq else 0)
    seconds += sum(QUESTION_SECONDS.get(kind, OTHER_QUESTION_SECONDS) for kind in questions)
    return StudyLength(len(tasks), len(questions), max(1, math.ceil(seconds / 60)))
