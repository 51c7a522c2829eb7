"""The report of a Study: every metric, interval and verdict, in a constant number of queries.

Rows are read with ``values_list()`` and aggregates only, never one query per session, task or
screen, so a study with a thousand participants costs the same dozen queries as one with five.
The rows become ``analysis.Attempt`` values and the statistics come from the pure modules
(``prototypes.analysis`` and ``prototypes.stats``); this module decides what is read and how
the results are grouped for the pages, the PDF and ``report.json``.

Who counts: every session that started the study except the screened-out ones, who never
reached a task, and those the designer excluded (a speeder, a straight-liner: see
``prototypes.reports.quality``), which the report lists with the reason instead. Attempts
still in progress in an open session are left out (they have no outcome yet); an attempt
without an outcome in a session that ended is counted as abandoned.
"""

import json
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace

from django.db import connection
from django.db.models import (
    Count,
    F,
    OuterRef,
    Q,
    Subquery,
    TextField,
    Window,
    prefetch_related_objects,
)
from django.db.models.functions import Cast, Lead
from django.utils import timezone

from prototypes import analysis, stats
from prototypes.authoring.models import Screen
from prototypes.cardsorts.report import card_sort_results
from prototypes.moderation.report import wizard_summary
from prototypes.reports import kinds, quotes
from prototypes.reports.models import SessionExclusion
from prototypes.reports.present import (
    PERCENT,
    SCORE,
    SECONDS,
    format_interval,
    format_seconds,
    format_threshold,
    format_value,
    more_participants_text,
)
from prototypes.sessions.models import Answer, Comment, Event, ParticipantSession, TaskAttempt
from prototypes.studies.models import (
    Criterion,
    Question,
    Study,
    StudyChange,
    StudyConcept,
    Task,
)
from prototypes.studies.outcomes import first_click_events
from prototypes.treetests.report import tree_results

TASK_METRICS = {
    Criterion.Metric.FIRST_CLICK_RATE: "first_click",
    Criterion.Metric.COMPLETION_RATE: "completion",
    Criterion.Metric.DIRECT_SUCCESS_RATE: "direct_success",
    Criterion.Metric.MISCLICK_RATE: "misclick",
    Criterion.Metric.TIME_ON_TASK: "time_on_task",
    Criterion.Metric.SEQ: "seq",
}
METRIC_UNITS = {
    Criterion.Metric.FIRST_CLICK_RATE: PERCENT,
    Criterion.Metric.COMPLETION_RATE: PERCENT,
    Criterion.Metric.DIRECT_SUCCESS_RATE: PERCENT,
    Criterion.Metric.MISCLICK_RATE: PERCENT,
    Criterion.Metric.ANSWER_SHARE: PERCENT,
    Criterion.Metric.TIME_ON_TASK: SECONDS,
    Criterion.Metric.SEQ: SCORE,
    Criterion.Metric.SUS: SCORE,
}
METRIC_WORDS = {
    Criterion.Metric.FIRST_CLICK_RATE: "share of first clicks on target",
    Criterion.Metric.COMPLETION_RATE: "completion rate",
    Criterion.Metric.DIRECT_SUCCESS_RATE: "direct success rate",
    Criterion.Metric.MISCLICK_RATE: "misclick rate",
    Criterion.Metric.TIME_ON_TASK: "median time on task",
    Criterion.Metric.SEQ: "ease rating (SEQ, 1–7)",
    Criterion.Metric.SUS: "SUS score (0–100)",
}
# The range an interval bar is drawn over; time has no natural end, so it is chosen per chart.
METRIC_SCALES = {
    Criterion.Metric.FIRST_CLICK_RATE: (0.0, 1.0),
    Criterion.Metric.COMPLETION_RATE: (0.0, 1.0),
    Criterion.Metric.DIRECT_SUCCESS_RATE: (0.0, 1.0),
    Criterion.Metric.MISCLICK_RATE: (0.0, 1.0),
    Criterion.Metric.ANSWER_SHARE: (0.0, 1.0),
    Criterion.Metric.SEQ: (1.0, 7.0),
    Criterion.Metric.SUS: (0.0, 100.0),
}

TOP_PATHS = 5
FRICTION_POINTS = 3


@dataclass(frozen=True)
class Measure:
    """A number with its confidence interval, in the unit of its metric.

    ``low`` and ``high`` are None when the sample is too small for an interval; ``value`` is
    None when there is no data at all. For proportions ``successes`` and ``trials`` are the
    counts behind the rate.
    """

    unit: str
    value: float | None
    low: float | None = None
    high: float | None = None
    n: int = 0
    successes: int | None = None
    trials: int | None = None

    @classmethod
    def of(cls, unit, estimate):
        if estimate is None:
            return cls(unit, None)
        return cls(
            unit,
            estimate.value,
            estimate.low,
            estimate.high,
            estimate.n,
            estimate.successes,
            estimate.trials,
        )

    @property
    def text(self):
        return format_value(self.value, self.unit)

    @property
    def interval_text(self):
        return format_interval(self.low, self.high, self.unit)

    def as_dict(self):
        if self.value is None:
            return None
        data = {"value": self.value, "low": self.low, "high": self.high, "n": self.n}
        if self.successes is not None:
            data.update(successes=self.successes, trials=self.trials)
        return data


@dataclass(frozen=True)
class PathCount:
    """How many attempts at a task took exactly this path of screens."""

    screen_ids: tuple
    count: int
    successes: int
    share: float


@dataclass(frozen=True)
class FirstClick:
    """Where an attempt's first click landed, as fractions of the screen."""

    screen_id: int
    x: float
    y: float
    hit: bool


@dataclass(frozen=True)
class OutcomeShare:
    label: str
    share: float
    css: str
    x: float  # start of the segment on a bar from 0 to 100
    width: float

    @property
    def text(self):
        return format_value(self.share, PERCENT)


@dataclass
class TaskReport:
    task: object
    number: int
    metrics: analysis.TaskMetrics
    confidence: float
    reached: int = 0
    paths: list = field(default_factory=list)
    other_paths: int = 0
    # Where attempts that gave up or timed out ended: screen id -> attempts.
    give_up_screens: Counter = field(default_factory=Counter)
    # Questions asked right after this task (a five-second test's recall questions).
    questions: list = field(default_factory=list)
    first_click_result: kinds.FirstClickResult | None = None
    preference: kinds.PreferenceResult | None = None
    # The counted attempts in arrival order: what the criteria's confidence sequences read.
    attempts: list = field(default_factory=list)
    # A tree test's or a card sort's own results (prototypes.treetests, prototypes.cardsorts).
    navigation: object = None

    @property
    def kind(self):
        return self.task.kind

    @property
    def completion(self):
        return Measure.of(PERCENT, self.metrics.completion)

    @property
    def direct_success(self):
        return Measure.of(PERCENT, self.metrics.direct_success)

    @property
    def time_on_task(self):
        return Measure.of(SECONDS, self.metrics.time_on_task)

    @property
    def misclick(self):
        return Measure.of(PERCENT, self.metrics.misclick)

    @property
    def first_click(self):
        """First clicks that were right: on the designer's target area in a first-click test,
        on a hotspot leading towards the goal in a click-through task."""
        if self.first_click_result is not None:
            return self.first_click_result.share
        return Measure.of(PERCENT, self.metrics.first_click)

    @property
    def seq(self):
        return Measure.of(SCORE, self.metrics.seq)

    @property
    def outcome_shares(self):
        """Every outcome's share with where its segment starts and ends on a 0-100 bar."""
        metrics = self.metrics
        if not metrics.n:
            return []
        shares = [
            ("Direct success", metrics.direct_success.value, "direct"),
            ("Indirect success", metrics.indirect_rate, "indirect"),
            ("Gave up", metrics.gave_up_rate, "gave-up"),
            ("Timed out", metrics.timed_out_rate, "timed-out"),
            ("Abandoned", metrics.abandoned_rate, "abandoned"),
        ]
        segments, start = [], 0.0
        for label, share, css in shares:
            segments.append(OutcomeShare(label, share, css, start * 100, share * 100))
            start += share
        return segments

    def as_dict(self):
        metrics = self.metrics
        return {
            "id": self.task.pk,
            "number": self.number,
            "instruction": self.task.instruction,
            "attempts": metrics.n,
            "reached": self.reached,
            "completion": self.completion.as_dict(),
            "direct_success": self.direct_success.as_dict(),
            "indirect_rate": metrics.indirect_rate,
            "gave_up_rate": metrics.gave_up_rate,
            "timed_out_rate": metrics.timed_out_rate,
            "abandoned_rate": metrics.abandoned_rate,
            "time_on_task": self.time_on_task.as_dict(),
            "median_time": metrics.median_time,
            "misclick": self.misclick.as_dict(),
            "first_click": self.first_click.as_dict(),
            "seq": self.seq.as_dict(),
            "paths": [
                {
                    "screens": list(path.screen_ids),
                    "count": path.count,
                    "successes": path.successes,
                    "share": path.share,
                }
                for path in self.paths
            ],
            "other_paths": self.other_paths,
            "kind": self.task.kind,
            "questions": [question.as_dict() for question in self.questions],
            "first_click_test": (
                self.first_click_result.as_dict() if self.first_click_result else None
            ),
            "preference": self.preference.as_dict() if self.preference else None,
            "navigation": self.navigation.as_dict() if self.navigation else None,
        }


@dataclass(frozen=True)
class FunnelStep:
    label: str
    sessions: int
    share: float | None

    def as_dict(self):
        return {"label": self.label, "sessions": self.sessions, "share": self.share}


@dataclass(frozen=True)
class ChoiceCount:
    choice: str
    count: int
    share: float | None


@dataclass
class QuestionReport:
    question: object
    number: int
    respondents: int = 0
    choices: list = field(default_factory=list)  # single and multiple choice, rating scales
    mean: Measure | None = None  # rating scales
    texts: list = field(default_factory=list)  # open questions
    sus: analysis.SusSummary | None = None
    # Session id -> answer, kept for a preference test's questions to pair choices and reasons.
    by_session: dict = field(default_factory=dict)
    # Every answer and its session, in arrival order, for the criteria's confidence sequences.
    answers: list = field(default_factory=list)
    answered_by: list = field(default_factory=list)
    sus_scores: list = field(default_factory=list)  # (score, session id) in arrival order

    def as_dict(self):
        question = self.question
        data = {
            "id": question.pk,
            "number": self.number,
            "kind": question.kind,
            "text": question.text,
            "respondents": self.respondents,
        }
        if question.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE, Question.Kind.RATING):
            data["choices"] = [
                {"choice": c.choice, "count": c.count, "share": c.share} for c in self.choices
            ]
        if question.kind == Question.Kind.RATING:
            data["mean"] = self.mean.as_dict() if self.mean else None
        if question.kind == Question.Kind.OPEN:
            data["texts"] = self.texts
        if question.kind == Question.Kind.SUS:
            data["sus"] = _sus_dict(self.sus)
        return data


@dataclass
class CriterionResult:
    criterion: object
    number: int
    description: str
    measure: Measure
    verdict: analysis.CriterionVerdict  # from ``analysis.latest_verdict``
    scale: tuple  # (low end, high end) of the chart
    settled_on: object = None  # when the participant who settled a PASS or FAIL started

    @property
    def must_have(self):
        return self.criterion.must_have

    @property
    def more_text(self):
        return more_participants_text(self.verdict.more_participants)

    @property
    def unit(self):
        return self.measure.unit

    @property
    def threshold_text(self):
        return format_threshold(self.criterion.threshold, self.unit)

    @property
    def css_verdict(self):
        return self.verdict.verdict.replace(" ", "-")

    def as_dict(self):
        criterion = self.criterion
        return {
            "id": criterion.pk,
            "number": self.number,
            "metric": criterion.metric,
            "task": criterion.task_id,
            "question": criterion.question_id,
            "choice": criterion.choice or None,
            "comparison": criterion.comparison,
            "threshold": criterion.threshold,
            "must_have": criterion.must_have,
            "description": self.description,
            "verdict": self.verdict.verdict,
            "estimate": self.verdict.estimate,
            "low": self.verdict.low,
            "high": self.verdict.high,
            "n": self.verdict.n,
            "anytime_valid": True,
            "more_participants": self.verdict.more_participants,
            "settled_at_n": self.verdict.settled_at,
            "settled_on": self.settled_on.isoformat() if self.settled_on else None,
        }


@dataclass(frozen=True)
class ScreenFriction:
    """Where participants struggled: misclicks, give-ups and time spent on one screen."""

    screen: Screen
    misclicks: int
    give_ups: int
    seconds: float
    visits: int
    # Mean of the screen's shares of all misclicks, all give-ups and all time in the study.
    score: float

    @property
    def time_text(self):
        return format_seconds(self.seconds)

    def as_dict(self):
        return {
            "screen": {"id": self.screen.pk, "name": self.screen.name},
            "misclicks": self.misclicks,
            "give_ups": self.give_ups,
            "seconds": self.seconds,
            "visits": self.visits,
            "score": self.score,
        }


@dataclass(frozen=True)
class CommentNote:
    id: int
    session_id: int
    screen_id: int
    task_number: int | None
    x: float
    y: float
    text: str
    created_at: object

    def as_dict(self):
        return {
            "id": self.id,
            "session": self.session_id,
            "screen": self.screen_id,
            "task_number": self.task_number,
            "x": self.x,
            "y": self.y,
            "text": self.text,
            "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True)
class ExclusionNote:
    """A session left out of the report, and why."""

    session_id: int
    reason: str
    excluded_by: str | None
    excluded_at: object

    def as_dict(self):
        return {
            "session": self.session_id,
            "reason": self.reason,
            "excluded_by": self.excluded_by,
            "excluded_at": self.excluded_at.isoformat(),
        }


@dataclass
class Report:
    study: Study
    confidence: float
    revision: int | None  # the revision shown; None for every revision
    revisions: list  # (revision, sessions) pairs of the whole study
    started: int
    completed: int
    screened_out: int
    tasks: list
    sus: analysis.SusSummary | None
    funnel: list
    questions: list
    criteria: list
    verdict: str
    changes: list
    friction: list
    comments: list
    screens: dict  # id -> Screen of the tested prototype version
    exclusions: list = field(default_factory=list)  # ExclusionNote per session left out
    # Wizard of Oz turns of moderated sessions (prototypes.moderation.report); None without any.
    wizard: object = None

    @property
    def css_verdict(self):
        return self.verdict.replace(" ", "-")

    @property
    def sus_measure(self):
        if self.sus is None:
            return Measure(SCORE, None)
        return Measure(SCORE, self.sus.mean, self.sus.low, self.sus.high, self.sus.n)

    @property
    def must_haves(self):
        return [result for result in self.criteria if result.must_have]

    @property
    def milestones(self):
        """Criteria that reached PASS or FAIL, in the order they did: the verdicts' log."""
        settled = [result for result in self.criteria if result.verdict.settled_at]
        return sorted(settled, key=lambda result: (result.settled_on is None, result.settled_on))

    @property
    def nice_to_haves(self):
        return [result for result in self.criteria if not result.must_have]

    @property
    def comment_screens(self):
        """(screen, comments) for every screen with comments, in prototype order."""
        by_screen = defaultdict(list)
        for comment in self.comments:
            by_screen[comment.screen_id].append(comment)
        return [(screen, by_screen[pk]) for pk, screen in self.screens.items() if pk in by_screen]

    @property
    def representative_comments(self):
        """A few comments to read first, before the designer's curation (see ``quotes``)."""
        return quotes.representative(self.comments, self.friction)

    def as_dict(self):
        study = self.study
        version = study.prototype_version
        return {
            "study": {
                "id": study.pk,
                "title": study.title,
                "state": study.state,
                "revision": study.revision,
                "confidence": self.confidence,
                "hypothesis": study.hypothesis,
                "problem": {
                    "id": study.problem.pk,
                    "title": study.problem.title,
                    "who": study.problem.who,
                    "what": study.problem.what,
                },
                "concept": {
                    "prototype": version.prototype.name,
                    "version": version.label,
                },
            },
            "revision": self.revision,
            "revisions": [
                {"revision": revision, "sessions": count} for revision, count in self.revisions
            ],
            "participants": {
                "started": self.started,
                "completed": self.completed,
                "screened_out": self.screened_out,
                "excluded": len(self.exclusions),
            },
            "exclusions": [exclusion.as_dict() for exclusion in self.exclusions],
            "verdict": self.verdict,
            "criteria": [result.as_dict() for result in self.criteria],
            "tasks": [task.as_dict() for task in self.tasks],
            "sus": _sus_dict(self.sus),
            "funnel": [step.as_dict() for step in self.funnel],
            "questions": [question.as_dict() for question in self.questions],
            "friction": [point.as_dict() for point in self.friction],
            "comments": [comment.as_dict() for comment in self.comments],
            "wizard": self.wizard.as_dict() if self.wizard else None,
            "changes": [
                {
                    "revision": change.revision,
                    "summary": change.summary,
                    "reason": change.reason,
                    "changed_at": change.changed_at.isoformat(),
                    "changed_by": change.changed_by.email if change.changed_by else None,
                }
                for change in self.changes
            ],
        }


def study_screens(study):
    """Screen id -> screen of the study's version and, in a concept A/B study, of its other
    concepts' versions, whose names then say the concept ("Home (B)"). One query."""
    concepts = StudyConcept.objects.filter(study=study)
    screens = (
        Screen.objects.filter(
            Q(version_id=study.prototype_version_id) | Q(version_id__in=concepts.values("version"))
        )
        .annotate(
            concept=Subquery(concepts.filter(version_id=OuterRef("version_id")).values("label"))
        )
        .order_by(F("concept").asc(nulls_first=True), "position", "id")
    )
    found = {}
    for screen in screens:
        if screen.version_id != study.prototype_version_id:
            screen.name = f"{screen.name} ({screen.concept})"
        found[screen.pk] = screen
    return found


def build_report(study, revision=None):
    """The whole report of ``study``, limited to one revision when ``revision`` is given."""
    study = Study.objects.select_related("problem", "prototype_version__prototype").get(pk=study.pk)
    confidence = study.confidence
    tasks = list(study.tasks.all())
    if any(task.kind == Task.Kind.PREFERENCE for task in tasks):
        prefetch_related_objects(tasks, "options__version")
    questions = list(study.questions.all())
    criteria = list(study.criteria.all())
    screens = study_screens(study)

    revisions, started, completed, screened_out = _session_counts(study, revision)
    sessions = study_sessions(study, revision)

    task_reports = _task_reports(study, tasks, sessions, confidence)
    all_question_reports, answered = _question_reports(questions, sessions, confidence)
    question_reports = _attach_task_questions(task_reports, all_question_reports)
    _add_kind_results(task_reports, all_question_reports, sessions, confidence)
    sus = next((q.sus for q in question_reports if q.question.kind == Question.Kind.SUS), None)

    results = _criterion_results(criteria, task_reports, all_question_reports, confidence)
    verdict = analysis.overall_verdict((result.verdict, result.must_have) for result in results)

    return Report(
        study=study,
        confidence=confidence,
        revision=revision,
        revisions=revisions,
        started=started,
        completed=completed,
        screened_out=screened_out,
        tasks=task_reports,
        sus=sus,
        funnel=_funnel(started, task_reports, question_reports, answered, completed),
        questions=question_reports,
        criteria=results,
        verdict=verdict,
        changes=list(StudyChange.objects.filter(study=study).select_related("changed_by")),
        friction=_friction(sessions, task_reports, screens),
        comments=_comments(sessions, tasks),
        screens=screens,
        exclusions=_exclusions(study, revision),
        wizard=wizard_summary(sessions, timezone.now()),
    )


def _attach_task_questions(task_reports, question_reports):
    """Give each task the reports of the questions asked right after it; return the others
    (asked at the end of the study), numbered 1, 2, … as participants met them."""
    by_task = {report.task.pk: report for report in task_reports}
    at_end = []
    for report in question_reports:
        task = by_task.get(report.question.task_id)
        if task is None:
            at_end.append(report)
            report.number = len(at_end)
        else:
            task.questions.append(report)
            report.number = len(task.questions)
    return at_end


def _add_kind_results(task_reports, question_reports, sessions, confidence):
    """First-click, preference, tree-test and card-sort results of the tasks of those kinds
    (two queries at most for the first two, four for tree tests, three for card sorts)."""
    tasks = [report.task for report in task_reports]
    navigation = {
        **tree_results(tasks, sessions, confidence, Measure),
        **card_sort_results(tasks, sessions),
    }
    clicks = kinds.first_click_rows(tasks, sessions)
    for report in task_reports:
        task = report.task
        report.navigation = navigation.get(task.pk)
        if task.kind == Task.Kind.FIRST_CLICK:
            report.first_click_result = kinds.first_click_result(task, clicks, confidence, Measure)
        elif task.kind == Task.Kind.PREFERENCE:
            by_role = {question.question.role: question for question in report.questions}
            choice = by_role.get(Question.Role.PREFERENCE)
            reason = by_role.get(Question.Role.REASON)
            report.preference = kinds.preference_result(
                task,
                choice.by_session if choice else {},
                reason.by_session if reason else {},
                confidence,
                Measure,
            )


def study_sessions(study, revision=None):
    """The sessions a report counts: every one but the screened-out and the excluded, of one
    revision or all."""
    # NOT IN over the (few) exclusions keeps PostgreSQL's plans for the event queries as they
    # are without exclusions; a LEFT JOIN in this subquery made the report ~20% slower.
    sessions = (
        ParticipantSession.objects.filter(study=study)
        .exclude(state=ParticipantSession.State.SCREENED_OUT)
        .exclude(pk__in=SessionExclusion.objects.filter(session__study=study).values("session_id"))
    )
    if revision is not None:
        sessions = sessions.filter(revision=revision)
    return sessions


def describe_criterion(criterion, tasks_by_id, questions_by_id):
    """The criterion in words, e.g. "Task 2 (Find your order): completion rate at least 70%"."""
    unit = METRIC_UNITS[criterion.metric]
    metric = METRIC_WORDS.get(criterion.metric) or f"share answering “{criterion.choice}”"
    rule = f"{metric} {criterion.get_comparison_display()} "
    rule += format_threshold(criterion.threshold, unit)
    if criterion.task_id in tasks_by_id:
        task = tasks_by_id[criterion.task_id]
        return f"Task {task.number} ({_short(task.task.instruction)}): {rule}"
    if criterion.metric == Criterion.Metric.SUS:
        return rule
    if criterion.question_id in questions_by_id:
        question = questions_by_id[criterion.question_id]
        return f"Question {question.number} ({_short(question.question.text)}): {rule}"
    return rule[0].upper() + rule[1:]


def _short(text, length=90):
    """The text on one line, cut at a word boundary past ``length`` (never mid-word)."""
    text = " ".join(text.split())
    if len(text) <= length:
        return text
    cut = text[: length - 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:") + "…"


def _exclusions(study, revision):
    exclusions = SessionExclusion.objects.filter(session__study=study)
    if revision is not None:
        exclusions = exclusions.filter(session__revision=revision)
    rows = exclusions.order_by("excluded_at", "id").values_list(
        "session_id", "reason", "excluded_by__email", "excluded_at"
    )
    return [ExclusionNote(*row) for row in rows]


def _session_counts(study, revision):
    rows = (
        ParticipantSession.objects.filter(study=study, exclusion__isnull=True)
        .order_by()
        .values_list("revision", "state")
        .annotate(sessions=Count("id"))
    )
    per_revision = Counter()
    started = completed = screened_out = 0
    for row_revision, state, count in rows:
        if state != ParticipantSession.State.SCREENED_OUT:
            per_revision[row_revision] += count
        if revision is not None and row_revision != revision:
            continue
        if state == ParticipantSession.State.SCREENED_OUT:
            screened_out += count
            continue
        started += count
        if state == ParticipantSession.State.COMPLETED:
            completed += count
    return sorted(per_revision.items()), started, completed, screened_out


def _task_reports(study, tasks, sessions, confidence):
    # In arrival order (sessions are numbered as they start): the criteria's confidence
    # sequences are read along it. The study, said again on the join that reads the session's
    # state, lets PostgreSQL find those sessions by the study's index: without it, it read
    # every study's sessions to join them (a sixth of the report among 500 studies).
    rows = (
        TaskAttempt.objects.filter(session__in=sessions, session__study=study)
        .order_by("session_id", "id")
        .values_list(
            "session_id",
            "task_id",
            "outcome",
            "started_ms",
            "ended_ms",
            "clicks",
            "misclicks",
            "first_click_success",
            "seq",
            # Paths are counted as text and decoded only when shown: most are never shown.
            Cast("path", output_field=TextField()),
            "session__state",
        )
    )
    start_screens = {task.pk: task.start_screen_id for task in tasks}
    stuck_on = defaultdict(Counter)
    attempts = defaultdict(list)
    reached = Counter()
    # Paths are listed per task and counted once at the end: cheaper than a Counter per row.
    paths = defaultdict(list)
    successful_paths = defaultdict(list)
    # Names looked up once: the loop runs once per attempt of the study.
    active = ParticipantSession.State.ACTIVE
    successful = analysis.SUCCESSFUL_OUTCOMES
    stuck = (analysis.GAVE_UP, analysis.TIMED_OUT)
    attempt = analysis.Attempt
    for session_id, task_id, outcome, started_ms, ended_ms, *rest in rows:
        clicks, misclicks, first_click_success, seq, path, session_state = rest
        reached[task_id] += 1
        if not outcome:
            if session_state == active:
                continue
            outcome = analysis.ABANDONED
        seconds = None
        if ended_ms is not None and ended_ms > started_ms:
            seconds = (ended_ms - started_ms) / 1000
        # The player counts hotspot clicks and misclicks apart; a misclick rate is misclicks
        # over every click. Positional: Attempt(session_id, task_id, outcome, seconds, clicks,
        # misclicks, first_click_success, seq).
        attempts[task_id].append(
            attempt(
                session_id,
                task_id,
                outcome,
                seconds,
                clicks + misclicks,
                misclicks,
                first_click_success,
                seq,
            )
        )
        paths[task_id].append(path)
        if outcome in successful:
            successful_paths[task_id].append(path)
        elif outcome in stuck:
            screens = json.loads(path) if path else []
            stuck_on[task_id][screens[-1] if screens else start_screens.get(task_id)] += 1

    reports = []
    for number, task in enumerate(tasks, start=1):
        task_attempts = attempts[task.pk]
        report = TaskReport(
            task=task,
            number=number,
            metrics=analysis.task_metrics(task_attempts, confidence),
            confidence=confidence,
            reached=reached[task.pk],
            give_up_screens=stuck_on[task.pk],
            attempts=task_attempts,
        )
        total = len(task_attempts)
        common = Counter(paths[task.pk]).most_common(TOP_PATHS)
        successes = Counter(successful_paths[task.pk])
        report.paths = [
            PathCount(
                tuple(json.loads(path) if path else ()),
                count,
                successes[path],
                count / total,
            )
            for path, count in common
        ]
        report.other_paths = total - sum(count for _, count in common)
        reports.append(report)
    return reports


def first_clicks(study, revision=None):
    """Task id -> the first click of every attempt, for the first-click pictures.

    Not part of ``build_report``: only the results page draws them, and finding each
    attempt's first click means ordering every click of the study. One query.
    """
    ranked = first_click_events(
        study_sessions(study, revision), task__isnull=False, screen__isnull=False
    ).values_list("task_id", "screen_id", "x", "y", "type")
    clicks = defaultdict(list)
    for task_id, screen_id, x, y, event_type in ranked:
        if x is not None and y is not None:
            clicks[task_id].append(FirstClick(screen_id, x, y, event_type == Event.Type.CLICK))
    return clicks


def _question_reports(questions, sessions, confidence):
    """A report per question, and how many sessions answered at least one question."""
    rows = (
        Answer.objects.filter(session__in=sessions)
        .order_by("answered_at", "id")
        .values_list("session_id", "question_id", "value")
    )
    values = defaultdict(list)
    answered_by = defaultdict(list)
    by_session = defaultdict(dict)
    answered = set()
    at_end = {question.pk for question in questions if question.task_id is None}
    paired = {question.pk for question in questions if question.role}
    for session_id, question_id, value in rows:
        values[question_id].append(value)
        answered_by[question_id].append(session_id)
        if question_id in at_end:
            answered.add(session_id)
        if question_id in paired:
            by_session[question_id][session_id] = value

    reports = []
    for number, question in enumerate(questions, start=1):
        answers = values[question.pk]
        report = QuestionReport(
            question=question,
            number=number,
            respondents=len(answers),
            by_session=by_session[question.pk],
            answers=answers,
            answered_by=answered_by[question.pk],
        )
        if question.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
            report.choices = _choice_counts(question.choices, answers)
        elif question.kind == Question.Kind.RATING:
            ratings = [value for value in answers if _is_number(value)]
            report.respondents = len(ratings)
            scale = [str(point) for point in range(question.scale_min, question.scale_max + 1)]
            report.choices = _choice_counts(scale, [str(round(value)) for value in ratings])
            report.mean = _mean_measure(ratings, confidence)
        elif question.kind == Question.Kind.OPEN:
            report.texts = [value.strip() for value in answers if isinstance(value, str)]
            report.texts = [text for text in report.texts if text]
            report.respondents = len(report.texts)
        elif question.kind == Question.Kind.SUS:
            # Scored once: the SUS criterion reads the same scores in arrival order.
            report.sus_scores = [
                (stats.sus_score(value), session_id)
                for value, session_id in zip(answers, report.answered_by, strict=True)
                if _is_sus_answer(value)
            ]
            report.respondents = len(report.sus_scores)
            report.sus = analysis.sus_summary_of_scores(
                [score for score, _ in report.sus_scores], confidence
            )
        reports.append(report)
    return reports, len(answered)


def _choice_counts(choices, answers):
    counts = Counter()
    for value in answers:
        chosen = value if isinstance(value, list) else [value]
        counts.update({str(choice) for choice in chosen})
    respondents = len(answers)
    listed = [str(choice) for choice in choices]
    # Answers outside the listed choices (an "other" field, a choice renamed since) still count.
    listed += sorted(choice for choice in counts if choice not in listed)
    return [
        ChoiceCount(choice, counts[choice], counts[choice] / respondents if respondents else None)
        for choice in listed
    ]


def _mean_measure(values, confidence):
    if not values:
        return None
    if len(values) == 1:
        return Measure(SCORE, float(values[0]), n=1)
    mean, low, high = stats.mean_interval(values, confidence)
    return Measure(SCORE, mean, low, high, len(values))


def _is_number(value):
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_sus_answer(value):
    return (
        isinstance(value, list)
        and len(value) == 10
        and all(isinstance(item, int) and 1 <= item <= 5 for item in value)
    )


def _funnel(started, task_reports, questions, answered, completed):
    def step(label, count):
        return FunnelStep(label, count, count / started if started else None)

    steps = [step("Started", started)]
    steps += [step(f"Reached task {task.number}", task.reached) for task in task_reports]
    if questions:
        steps.append(step("Reached the questions", answered))
    steps.append(step("Completed", completed))
    return steps


def _criterion_results(criteria, task_reports, question_reports, confidence):
    tasks_by_id = {report.task.pk: report for report in task_reports}
    questions_by_id = {report.question.pk: report for report in question_reports}
    results, settled_by = [], []
    for number, criterion in enumerate(criteria, start=1):
        rule = analysis.Criterion(
            metric=criterion.metric,
            comparison=criterion.comparison,
            threshold=criterion.threshold,
            must_have=criterion.must_have,
        )
        outcomes, participants, sessions = criterion_outcomes(
            criterion, tasks_by_id, questions_by_id
        )
        latest = analysis.latest_verdict(rule, outcomes, confidence)
        verdict = _shown_verdict(latest, participants)
        settled_by.append(sessions[latest.settled_at - 1] if verdict.settled_at else None)
        results.append(
            CriterionResult(
                criterion=criterion,
                number=number,
                description=describe_criterion(criterion, tasks_by_id, questions_by_id),
                measure=_criterion_measure(criterion, verdict, outcomes),
                verdict=verdict,
                scale=_scale(criterion, verdict),
            )
        )
    # When the participants who settled a criterion started: one query whatever settled, so
    # the report's query count never depends on the data.
    started = dict(
        ParticipantSession.objects.filter(
            Q(pk__in=[pk for pk in settled_by if pk is not None]) | Q(pk__isnull=True)
        ).values_list("pk", "started_at")
    )
    for result, session_id in zip(results, settled_by, strict=True):
        result.settled_on = started.get(session_id)
    return results


def criterion_outcomes(criterion, tasks_by_id, questions_by_id):
    """What ``analysis.verdict_path`` reads for a criterion, in arrival order: the outcomes,
    how many participants had been counted at each, and whose session each came from.

    A misclick rate's trials are clicks; within one attempt the clicks that hit come first
    (the attempt keeps counts, not their order).
    """
    metric = criterion.metric
    if metric in TASK_METRICS:
        task = tasks_by_id.get(criterion.task_id)
        if task is None:
            return [], [], []
        return _task_outcomes(task, metric)
    if metric == Criterion.Metric.SUS:
        question = questions_by_id.get(criterion.question_id) or next(
            (q for q in questions_by_id.values() if q.question.kind == Question.Kind.SUS), None
        )
        if question is None:
            return [], [], []
        return _unzipped(question.sus_scores)
    question = questions_by_id.get(criterion.question_id)
    if question is None:
        return [], [], []
    chosen = [
        (
            criterion.choice
            in {str(c) for c in (answer if isinstance(answer, list) else [answer])},
            session_id,
        )
        for answer, session_id in zip(question.answers, question.answered_by, strict=True)
    ]
    return _unzipped(chosen)


def _task_outcomes(task, metric):
    if metric == Criterion.Metric.FIRST_CLICK_RATE and task.first_click_result is not None:
        return _unzipped([(hit, pk) for pk, hit in task.first_click_result.hits_in_order])
    if metric == Criterion.Metric.MISCLICK_RATE:
        outcomes, participants, sessions = [], [], []
        counted = 0
        for attempt in task.attempts:
            if not attempt.clicks:
                continue
            counted += 1
            hits = attempt.clicks - attempt.misclicks
            outcomes += [False] * hits + [True] * attempt.misclicks
            participants += [counted] * attempt.clicks
            sessions += [attempt.session_id] * attempt.clicks
        return outcomes, participants, sessions
    successful = analysis.SUCCESSFUL_OUTCOMES
    read = {
        Criterion.Metric.COMPLETION_RATE: lambda attempt: attempt.outcome in successful,
        Criterion.Metric.DIRECT_SUCCESS_RATE: lambda attempt: attempt.outcome == analysis.DIRECT,
        Criterion.Metric.FIRST_CLICK_RATE: lambda attempt: attempt.first_click_success,
        Criterion.Metric.SEQ: lambda attempt: attempt.seq,
        Criterion.Metric.TIME_ON_TASK: lambda attempt: (
            attempt.seconds if attempt.outcome in successful else None
        ),
    }[metric]
    read_once = ((read(attempt), attempt.session_id) for attempt in task.attempts)
    return _unzipped([pair for pair in read_once if pair[0] is not None])


def _unzipped(pairs):
    """(outcomes, participants counted at each, sessions) from (outcome, session) pairs."""
    return (
        [outcome for outcome, _ in pairs],
        list(range(1, len(pairs) + 1)),
        [session for _, session in pairs],
    )


def _shown_verdict(last, participants):
    """A path's last verdict with n in participants (a misclick path counts clicks)."""
    if last is None:
        return analysis.CriterionVerdict(analysis.NOT_YET, None, None, None, 0, None)
    more = last.more_participants
    if more is not None and participants[-1] != last.n:
        # Clicks to participants at the clicks per participant seen so far.
        more = math.ceil(more * participants[-1] / last.n)
    settled = last.settled_at
    return replace(
        last,
        n=participants[-1],
        more_participants=more,
        settled_at=participants[settled - 1] if settled else None,
    )


def _criterion_measure(criterion, verdict, outcomes):
    """The measure a criterion is judged on, with its confidence-sequence interval; a Measure
    without value when there is no data."""
    unit = METRIC_UNITS[criterion.metric]
    if verdict.estimate is None:
        return Measure(unit, None)
    low, high = verdict.low, verdict.high
    if low is None or high is None:
        low = high = None
    if criterion.metric in analysis.PROPORTION_METRICS:
        successes = sum(outcomes)
        return Measure(unit, verdict.estimate, low, high, verdict.n, successes, len(outcomes))
    return Measure(unit, verdict.estimate, low, high, verdict.n)


def _scale(criterion, verdict):
    if criterion.metric in METRIC_SCALES:
        return METRIC_SCALES[criterion.metric]
    # Time: from zero to a little beyond the largest number drawn.
    largest = max(
        value
        for value in (criterion.threshold, verdict.estimate, verdict.high)
        if value is not None
    )
    return (0.0, largest * 1.25)


def _friction(sessions, task_reports, screens):
    """The screens where participants struggled most, at most FRICTION_POINTS of them."""
    misclicks = Event.objects.filter(
        session__in=sessions, type=Event.Type.MISCLICK, screen__isnull=False
    )
    # A first-click test's click has no hotspot to hit: it is an answer, not friction. The
    # study's tasks are already read, so their ids spare PostgreSQL a join with every misclick.
    first_click_tasks = [
        report.task.pk for report in task_reports if report.task.kind == Task.Kind.FIRST_CLICK
    ]
    if first_click_tasks:
        misclicks = misclicks.exclude(task_id__in=first_click_tasks)
    misclicks = Counter(
        dict(misclicks.order_by().values_list("screen_id").annotate(count=Count("id")))
    )
    give_ups = Counter()
    for report in task_reports:
        give_ups.update(report.give_up_screens)
    time_spent = _time_on_screens(sessions, [report.task.pk for report in task_reports])

    totals = (
        sum(misclicks.values()) or 1,
        sum(give_ups.values()) or 1,
        sum(seconds for seconds, _ in time_spent.values()) or 1,
    )
    points = []
    for pk, screen in screens.items():
        seconds, visits = time_spent.get(pk, (0.0, 0))
        shares = (misclicks[pk] / totals[0], give_ups[pk] / totals[1], seconds / totals[2])
        points.append(
            ScreenFriction(
                screen=screen,
                misclicks=misclicks[pk],
                give_ups=give_ups[pk],
                seconds=seconds,
                visits=visits,
                score=sum(shares) / 3,
            )
        )
    points.sort(key=lambda point: -point.score)
    return [point for point in points if point.score > 0][:FRICTION_POINTS]


def _time_on_screens(sessions, task_ids):
    """Screen id -> (seconds spent on it, visits), over the attempts at these tasks.

    A visit starts with the navigate event that showed the screen and ends with the attempt's
    next navigate event or, on the attempt's last screen, when the attempt ended: time after
    the task (the SEQ question, the next instruction) is not time on a screen, and a last
    screen left without the task ending has no known end. The next navigate comes from LEAD
    over each attempt's navigate events; Django cannot group by a window function, so the
    grouping wraps the ORM's own SQL. The attempts are named by their tasks: joined on the
    session alone, PostgreSQL estimated a handful of rows and merged with every study's attempts
    in session order (a quarter of the report's time among 500 studies' 5 million events).
    """
    if not task_ids:
        return {}
    shown = (
        Event.objects.filter(
            session__in=sessions,
            type=Event.Type.NAVIGATE,
            task__isnull=False,
            screen__isnull=False,
        )
        .annotate(
            next_ms=Window(
                Lead("t_ms"),
                partition_by=[F("session_id"), F("task_id")],
                order_by=[F("t_ms").asc(), F("id").asc()],
            )
        )
        .order_by()
        .values_list("session_id", "task_id", "screen_id", "t_ms", "next_ms")
    )
    sql, params = shown.query.sql_with_params()
    attempts = connection.ops.quote_name(TaskAttempt._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT visit.screen_id, COUNT(*), "
            "SUM(COALESCE(visit.next_ms, attempt.ended_ms) - visit.t_ms) "
            f"FROM ({sql}) visit JOIN {attempts} attempt "
            "ON attempt.session_id = visit.session_id AND attempt.task_id = visit.task_id "
            f"WHERE attempt.task_id IN ({', '.join(['%s'] * len(task_ids))}) "
            "GROUP BY visit.screen_id",
            [*params, *task_ids],
        )
        return {
            screen_id: (float(milliseconds or 0) / 1000, visits)
            for screen_id, visits, milliseconds in cursor.fetchall()
        }


def _comments(sessions, tasks):
    numbers = {task.pk: number for number, task in enumerate(tasks, start=1)}
    rows = (
        Comment.objects.filter(session__in=sessions)
        .order_by("created_at", "id")
        .values_list("id", "session_id", "screen_id", "task_id", "x", "y", "text", "created_at")
    )
    return [
        CommentNote(pk, session_id, screen_id, numbers.get(task_id), x, y, text, created_at)
        for pk, session_id, screen_id, task_id, x, y, text, created_at in rows
    ]


def _sus_dict(sus):
    if sus is None:
        return None
    return {"mean": sus.mean, "low": sus.low, "high": sus.high, "grade": sus.grade, "n": sus.n}
