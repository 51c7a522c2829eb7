"""Starting a participant's session and telling the player what the study holds."""

import random

from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from prototypes.authoring.models import Hotspot, Screen
from prototypes.player.models import ParticipantSession
from prototypes.studies import ab, kinds, sus
from prototypes.studies.models import Question, ShareLink, Study, Task

MAX_PARTICIPANT_ID_CHARS = 128


def find_link(token):
    """The share link with this token, with its study and prototype; None if there is none."""
    return (
        ShareLink.objects.select_related("study__prototype_version__prototype")
        .filter(token=token)
        .first()
    )


def closing_reason(link):
    """Why the link takes no new participants, as a short key, or None when it does.

    "revoked", "expired" (past the link's closing date), "full" (the link's quota of completed
    sessions is reached) or the study's state ("draft", "paused", "closed").
    """
    if link.revoked_at is not None:
        return "revoked"
    study = link.study
    if study.state != Study.State.LIVE:
        return study.state
    if link.closes_at is not None and link.closes_at <= timezone.now():
        return "expired"
    if (
        link.quota is not None
        and link.sessions.filter(state=ParticipantSession.State.COMPLETED).count() >= link.quota
    ):
        return "full"
    return None


def start_session(
    study,
    *,
    link=None,
    participant_id="",
    user_agent="",
    simulated=False,
    admitted=True,
    rng=random,
):
    """A new session of the study, once the participant has consented to its current text.

    In a concept A/B study an admitted participant is assigned the concept they will see (ties
    drawn from ``rng``, which the demo seeds); one screened out is not, so that they do not
    count against a concept.
    """
    session = ParticipantSession.objects.create(
        study=study,
        share_link=link,
        revision=study.revision,
        language=study.language,
        consent_version=study.consent_version,
        consented_at=timezone.now(),
        external_participant_id=participant_id[:MAX_PARTICIPANT_ID_CHARS],
        user_agent=user_agent[:300],
        is_simulated=simulated,
    )
    if admitted:
        ab.assign_concept(session, rng=rng)
    return session


def shown_version(session):
    """The prototype version the session shows: its concept's in a concept A/B study, else the
    study's."""
    concept = ab.session_concept(session)
    return concept.version if concept else session.study.prototype_version


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
