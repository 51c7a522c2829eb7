"""The rules of a study's life: its states, what may change once participants have started,
the audit trail of those changes, and the live progress the designer watches.

A study pre-registers what success looks like: tasks, questions and criteria are fixed before
the first participant. After that, a change is still possible (a typo in a task can ruin a
study) but only with a reason; it makes a new revision, and results tell which revision each
participant saw.
"""

from collections import deque
from dataclasses import dataclass, field
from itertools import pairwise

from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from prototypes import analysis
from prototypes.authoring.models import Hotspot, Prototype, Screen
from prototypes.sessions.models import ParticipantSession, TaskAttempt
from prototypes.studies import outcomes
from prototypes.studies.models import Question, ShareLink, Study, StudyChange, Task
from prototypes.webhooks import services as webhooks

State = Study.State

# What the designer may do from each state, and the button that does it.
TRANSITION_ACTIONS = {
    State.DRAFT: {State.LIVE: "Go live"},
    State.LIVE: {State.PAUSED: "Pause", State.CLOSED: "Close"},
    State.PAUSED: {State.LIVE: "Resume", State.CLOSED: "Close"},
    State.CLOSED: {},
}


class StudyRuleError(Exception):
    """A change the study's rules refuse; the message is written for the designer."""

    def __init__(self, message, problems=()):
        super().__init__(message)
        self.problems = list(problems) or [message]


class ReasonRequired(StudyRuleError):
    pass


class TransitionRefused(StudyRuleError):
    pass


def has_participants(study):
    """Whether anyone has started the study: from then on its measures are locked."""
    return ParticipantSession.objects.filter(study=study).exists()


def apply_locked_change(study, user, reason, summary, change_fn):
    """Run `change_fn()` (an edit of the study's tasks, questions or criteria) under the rules.

    Before anyone has started, the change simply happens. Afterwards it needs a reason: it then
    raises the study's revision and records a StudyChange saying what changed, why, who and
    when. Raises ReasonRequired (changing nothing) when the study is locked and `reason` is
    blank. Returns what `change_fn` returns. Everything happens in one transaction, so a
    refused or failed change leaves no trace.
    """
    reason = (reason or "").strip()
    with transaction.atomic():
        # Holding the study row makes concurrent locked changes take revision numbers in turn.
        current = Study.objects.select_for_update().get(pk=study.pk)
        if not has_participants(current):
            return change_fn()
        if not reason:
            raise ReasonRequired(
                "Participants have already started this study: say why you are making this "
                "change. It will make a new revision, and results will show which revision "
                "each participant saw."
            )
        result = change_fn()
        # After change_fn, which may have saved `study` itself with its old revision number.
        revision = current.revision + 1
        Study.objects.filter(pk=study.pk).update(revision=revision)
        study.revision = revision
        StudyChange.objects.create(
            study=study, revision=revision, summary=summary, reason=reason, changed_by=user
        )
    return result


# States.


def go_live_problems(study):
    """What stops the study from going live, as sentences for the designer (empty: ready)."""
    problems = []
    if study.prototype_version.is_draft:
        problems.append(
            "Choose a published version of the prototype, so that every participant sees "
            "the same screens."
        )
    if not study.tasks.exists():
        problems.append(
            "Add at least one task: the study measures whether people can do something."
        )
    if not study.criteria.filter(must_have=True).exists():
        problems.append(
            "Add at least one must-have success criterion. Stating before the first "
            "participant what success looks like is what makes the verdict trustworthy."
        )
    return problems


def allowed_transitions(study):
    """(target state, button label) pairs for the study's current state."""
    return list(TRANSITION_ACTIONS[study.state].items())


def transition_refusal(study, target):
    """Why `study` cannot move to the state `target`, or None when the move is allowed."""
    if target not in State.values:
        return f"“{target}” is not a state a study can be in."
    if target not in TRANSITION_ACTIONS[study.state]:
        return (
            f"A {study.get_state_display().lower()} study cannot become "
            f"{State(target).label.lower()}."
            + (" Closing a study is final." if study.state == State.CLOSED else "")
        )
    return None


def transition(study, target):
    """Move the study to the state `target`, or raise TransitionRefused saying why not.

    Going live needs at least one task and one must-have criterion; the first time, it also
    creates the default share link and records when the study went live.
    """
    with transaction.atomic():
        current = Study.objects.select_for_update().get(pk=study.pk)
        refusal = transition_refusal(current, target)
        if refusal:
            raise TransitionRefused(refusal)
        now = timezone.now()
        changed = ["state"]
        if target == State.LIVE:
            problems = go_live_problems(current)
            if problems:
                raise TransitionRefused(" ".join(problems), problems)
            if not current.share_links.exists():
                ShareLink.objects.create(study=current)
            if current.went_live_at is None:
                current.went_live_at = now
                changed.append("went_live_at")
        if target == State.CLOSED:
            current.closed_at = now
            changed.append("closed_at")
        current.state = target
        current.save(update_fields=changed)
        if target == State.CLOSED:
            webhooks.study_closed(current)
    for name in changed:
        setattr(study, name, getattr(current, name))
    return study


# Order of tasks and questions.


def next_position(siblings):
    last = siblings.aggregate(last=Max("position"))["last"]
    return 0 if last is None else last + 1


def renumber(items):
    """Give `items`, in their current list order, the positions 0, 1, 2, …"""
    changed = []
    for position, item in enumerate(items):
        if item.position != position:
            item.position = position
            changed.append(item)
    if changed:
        type(changed[0]).objects.bulk_update(changed, ["position"])


def move(item, direction):
    """Swap a task or question with its neighbour ("up" or "down"); False at either end."""
    siblings = type(item).objects.filter(study_id=item.study_id)
    if isinstance(item, Question):
        # Questions move among those asked at the same point: after the same task, or at the end.
        siblings = siblings.filter(task_id=item.task_id)
    siblings = list(siblings.order_by("position", "id"))
    index = [sibling.pk for sibling in siblings].index(item.pk)
    other = index - 1 if direction == "up" else index + 1
    if other < 0 or other >= len(siblings):
        return False
    siblings[index], siblings[other] = siblings[other], siblings[index]
    renumber(siblings)
    item.position = other
    return True


# Deleting.


def _check_live_minimum(study, tasks_left, must_haves_left):
    if study.state not in (State.LIVE, State.PAUSED):
        return
    if tasks_left == 0:
        raise StudyRuleError(
            f"A {study.get_state_display().lower()} study needs at least one task: "
            "add another one before removing this one."
        )
    if must_haves_left == 0:
        raise StudyRuleError(
            f"A {study.get_state_display().lower()} study needs at least one must-have "
            "criterion: add another one before removing this one."
        )


def check_must_have_kept(criterion, must_have):
    """Refuse to leave a live or paused study without any must-have criterion."""
    if must_have or criterion.pk is None or not criterion.must_have:
        return
    study = criterion.study
    others = study.criteria.filter(must_have=True).exclude(pk=criterion.pk).count()
    _check_live_minimum(study, tasks_left=1, must_haves_left=others)


def delete_task(task):
    """Delete a task nobody has attempted yet, with its criteria; renumber the others."""
    if TaskAttempt.objects.filter(task=task).exists():
        raise StudyRuleError(
            f"Participants have already attempted task {task.number}: deleting it would "
            "delete their results. Close this study and start a new one instead."
        )
    study = task.study
    _check_live_minimum(
        study,
        tasks_left=study.tasks.exclude(pk=task.pk).count(),
        must_haves_left=study.criteria.filter(must_have=True).exclude(task=task).count(),
    )
    task.delete()
    renumber(list(study.tasks.order_by("position", "id")))


def delete_question(question):
    """Delete a question nobody has answered yet, with its criteria; renumber the others."""
    if question.answers.exists():
        raise StudyRuleError(
            "Participants have already answered this question: deleting it would delete "
            "their answers. Close this study and start a new one instead."
        )
    study = question.study
    _check_live_minimum(
        study,
        tasks_left=1,
        must_haves_left=study.criteria.filter(must_have=True).exclude(question=question).count(),
    )
    question.delete()
    renumber(list(study.questions.order_by("position", "id")))


def delete_criterion(criterion):
    check_must_have_kept(criterion, must_have=False)
    criterion.delete()


# Screens of the study's frozen prototype version.


def _links(version):
    """(from screen id, to screen id) for every hotspot of `version` that goes somewhere."""
    return set(
        Hotspot.objects.filter(
            screen__version=version, action=Hotspot.Action.GO_TO, target__isnull=False
        ).values_list("screen_id", "target_id")
    )


def missing_links(version, path):
    """The consecutive pairs of screen ids in `path` that no hotspot connects.

    Only paper prototypes are checked: a scripted prototype moves between screens by its
    script, not by hotspots.
    """
    if version.prototype.kind != Prototype.Kind.PAPER:
        return []
    links = _links(version)
    return [(a, b) for a, b in pairwise(path) if (a, b) not in links]


def shortest_path(version, start_id, goal_ids):
    """The shortest list of screen ids from the start to any goal by hotspots, or []."""
    goal_ids = set(goal_ids)
    following = {}
    for source, target in _links(version):
        following.setdefault(source, []).append(target)
    came_from = {start_id: None}
    queue = deque([start_id])
    while queue:
        screen_id = queue.popleft()
        if screen_id in goal_ids:
            path = []
            while screen_id is not None:
                path.append(screen_id)
                screen_id = came_from[screen_id]
            return path[::-1]
        for target in sorted(following.get(screen_id, ())):
            if target not in came_from:
                came_from[target] = screen_id
                queue.append(target)
    return []


def _screens_used(study):
    used = set()
    for task in study.tasks.prefetch_related("goal_screens"):
        used.add(task.start_screen_id)
        used.update(screen.pk for screen in task.goal_screens.all())
        used.update(task.expected_path)
    return used


def screens_missing_from(study, version):
    """Names of screens the study's tasks use that have no counterpart in `version`.

    A screen keeps its key from draft to every published copy, which is how a task follows it
    into another version.
    """
    used = Screen.objects.filter(pk__in=_screens_used(study)).exclude(
        key__in=version.screens.values("key")
    )
    return sorted(used.values_list("name", flat=True))


def move_tasks_to_version(study, version):
    """Point every task's screens at their counterparts (same key) in `version`."""
    used = dict(Screen.objects.filter(pk__in=_screens_used(study)).values_list("pk", "key"))
    by_key = dict(version.screens.values_list("key", "pk"))
    counterpart = {pk: by_key[key] for pk, key in used.items()}
    for task in study.tasks.prefetch_related("goal_screens"):
        goals = [counterpart[screen.pk] for screen in task.goal_screens.all()]
        task.start_screen_id = counterpart[task.start_screen_id]
        task.expected_path = [counterpart[pk] for pk in task.expected_path]
        task.save(update_fields=["start_screen", "expected_path"])
        task.goal_screens.set(goals)


# Live progress.

OUTCOMES = TaskAttempt.Outcome


@dataclass
class TaskProgress:
    task: Task
    counts: dict  # stored outcome value -> number of attempts
    in_progress: int
    # For a task that is not click-through, (value, label, attempts) of what its attempts that
    # ended without a failure achieved (outcomes.attempt_outcome): they are not "direct".
    kind_counts: list = field(default_factory=list)

    @property
    def total(self):
        return sum(self.counts.values()) + self.in_progress

    def outcome_counts(self):
        """(value, label, count) of every outcome, as people read it."""
        stored = [(value, label, self.counts[value]) for value, label in OUTCOMES.choices]
        if not self.kind_counts:
            return stored
        return self.kind_counts + [row for row in stored if row[0] not in outcomes.SUCCESSFUL]

    @property
    def segments(self):
        """(outcome, label, count, x, width) for a stacked bar 100 units wide."""
        total = self.total
        x = 0.0
        bars = []
        for outcome, label, count in self.outcome_counts():
            if count:
                width = 100 * count / total
                bars.append((outcome, label, count, round(x, 3), round(width, 3)))
                x += width
        return bars


@dataclass
class Progress:
    started: int
    finished: int
    active: int
    abandoned: int
    target: int
    tasks: list = field(default_factory=list)
    revisions: list = field(default_factory=list)  # (revision, participants started)

    @property
    def has_other_kinds(self):
        return any(task.kind_counts for task in self.tasks)

    @property
    def percent_of_target(self):
        if not self.target:
            return 0
        return min(100, round(100 * self.finished / self.target))


def study_progress(study):
    """Participants and task outcomes so far, in a fixed number of queries however many."""
    session_states = ParticipantSession.State
    totals = ParticipantSession.objects.filter(study=study).aggregate(
        started=Count("pk", filter=~Q(state=session_states.SCREENED_OUT)),
        finished=Count("pk", filter=Q(state=session_states.COMPLETED)),
        active=Count("pk", filter=Q(state=session_states.ACTIVE)),
        abandoned=Count("pk", filter=Q(state=session_states.ABANDONED)),
    )
    counts = {
        outcome: Count("attempts", filter=Q(attempts__outcome=outcome))
        for outcome in OUTCOMES.values
    }
    tasks = list(
        Task.objects.filter(study=study).annotate(
            in_progress=Count("attempts", filter=Q(attempts__outcome="")),
            **{f"n_{outcome}": count for outcome, count in counts.items()},
        )
    )
    progress = Progress(target=study.target_participants, **totals)
    kind_counts = outcomes.kind_outcome_counts(
        tasks, ParticipantSession.objects.filter(study=study)
    )
    progress.tasks = [
        TaskProgress(
            task=task,
            counts={outcome: getattr(task, f"n_{outcome}") for outcome in OUTCOMES.values},
            in_progress=task.in_progress,
            kind_counts=kind_counts.get(task.pk, []),
        )
        for task in tasks
    ]
    if study.revision > 1:
        progress.revisions = list(
            ParticipantSession.objects.filter(study=study)
            .values_list("revision")
            .annotate(n=Count("pk"))
            .order_by("revision")
        )
    return progress


def planning_warnings(study, target=None, confidence=None, criteria=None):
    """A sentence for each criterion of ``study`` that ``target`` participants (the study's
    target unless given) are unlikely to settle, as ``analysis.sample_to_settle`` plans it.
    Pass ``criteria`` when they are already read (with their tasks and questions)."""
    target = study.target_participants if target is None else target
    confidence = study.confidence if confidence is None else confidence
    if criteria is None:
        criteria = study.criteria.select_related("task", "question")
    warnings = []
    for criterion in criteria:
        rule = analysis.Criterion(
            criterion.metric, criterion.comparison, criterion.threshold, criterion.must_have
        )
        needed = analysis.sample_to_settle(rule, confidence)
        if needed is not None and needed <= target:
            continue
        about = f"about {needed}" if needed else f"more than {analysis.PROJECTION_HORIZON:,}"
        warnings.append(
            f"“{criterion.describe()}”: {target} participants are unlikely to settle it. Even "
            f"with the truth clearly on the right side of the threshold, {about} are needed "
            "for a verdict that stays valid however often you look."
        )
    return warnings
