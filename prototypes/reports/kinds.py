"""Results of the tasks that are not click-through: first-click and preference tests.

``build_report`` reads the rows (first clicks in one query, the answers with the others) and
hands them here; this module turns them into measures with intervals. Five-second tests need
nothing of their own: their recall questions are reported like any question, under the task.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from prototypes import stats
from prototypes.reports.present import PERCENT, SECONDS, format_p_value, format_value
from prototypes.sessions.models import TaskAttempt
from prototypes.studies.kinds import option_labels
from prototypes.studies.outcomes import ON_TARGET, attempt_outcome, first_click_points

DIRECT = TaskAttempt.Outcome.DIRECT


@dataclass(frozen=True)
class FirstClickResult:
    """Where first clicks landed against the designer's target area, and how soon."""

    hits: int
    clicks: int
    share: object  # metrics.Measure of the share inside the target
    time: object  # metrics.Measure of the seconds to the first click (geometric mean)
    median_seconds: float | None
    # (session id, inside the target) per first click, in arrival order.
    hits_in_order: tuple = ()

    def as_dict(self):
        return {
            "hits": self.hits,
            "clicks": self.clicks,
            "share": self.share.as_dict(),
            "time_to_first_click": self.time.as_dict(),
            "median_seconds": self.median_seconds,
        }


@dataclass(frozen=True)
class OptionResult:
    screen: object
    label: str
    count: int
    share: object  # metrics.Measure with its interval
    reasons: tuple = ()


@dataclass
class PreferenceResult:
    options: list
    respondents: int
    p_value: float | None  # chi-square goodness of fit against equal shares
    reasons: list = field(default_factory=list)  # (label, text) in the order given

    @property
    def p_text(self):
        return format_p_value(self.p_value) if self.p_value is not None else ""

    @property
    def reading(self):
        """What the spread of choices says, in words."""
        if not self.respondents:
            return "Nobody has chosen yet."
        leader = max(self.options, key=lambda option: option.count)
        share = format_value(leader.share.value, PERCENT)
        if self.p_value is None:
            return f"{leader.label} leads with {share}."
        if self.p_value < 0.05:
            return (
                f"{leader.label} is preferred ({share} of {self.respondents}). If every option "
                f"were equally liked, a spread this uneven would be rare ({self.p_text})."
            )
        return (
            f"{leader.label} leads with {share} of {self.respondents}, but choices this spread "
            f"could well arise if every option were equally liked ({self.p_text}): no clear "
            "preference yet."
        )

    def as_dict(self):
        return {
            "respondents": self.respondents,
            "p_value": self.p_value,
            "options": [
                {
                    "screen": option.screen.pk,
                    "label": option.label,
                    "count": option.count,
                    "share": option.share.as_dict(),
                }
                for option in self.options
            ],
            "reasons": [{"option": label, "text": text} for label, text in self.reasons],
        }


def first_click_rows(tasks, sessions):
    """(task id, session id) -> (x, y, seconds after the task started) of each attempt's first
    click, for the first-click tests among ``tasks``: two queries, none without such tests."""
    points = first_click_points(sessions, tasks)
    if not points:
        return {}
    attempts = (
        TaskAttempt.objects.filter(session__in=sessions, task_id__in={key[1] for key in points})
        .order_by()
        .values_list("task_id", "session_id", "started_ms")
    )
    starts = {(task_id, session_id): started_ms for task_id, session_id, started_ms in attempts}
    rows = {}
    for (session_id, task_id), (x, y, t_ms) in points.items():
        started = starts.get((task_id, session_id))
        seconds = (t_ms - started) / 1000 if started is not None and t_ms > started else None
        rows[task_id, session_id] = (x, y, seconds)
    return rows


def first_click_result(task, rows, confidence, measure):
    """The first-click result of ``task`` from ``first_click_rows``; ``measure`` builds a
    metrics.Measure (passed in: metrics imports this module)."""
    ordered = sorted((key, row) for key, row in rows.items() if key[0] == task.pk)
    clicks = [row for _, row in ordered]
    # Judged as each attempt's outcome is, so the sessions table and exports agree with it.
    hits_in_order = tuple(
        (session_id, attempt_outcome(task, DIRECT, row).value == ON_TARGET)
        for (_, session_id), row in ordered
    )
    hits = sum(hit for _, hit in hits_in_order)
    if clicks:
        low, high = stats.completion_interval(hits, len(clicks), confidence)
        share = measure(PERCENT, hits / len(clicks), low, high, len(clicks), hits, len(clicks))
    else:
        share = measure(PERCENT, None)
    times = [seconds for _, _, seconds in clicks if seconds]
    if len(times) >= 2:
        mean, low, high = stats.time_interval(times, confidence)
        time = measure(SECONDS, mean, low, high, len(times))
    elif times:
        time = measure(SECONDS, times[0], n=1)
    else:
        time = measure(SECONDS, None)
    return FirstClickResult(
        hits=hits,
        clicks=len(clicks),
        share=share,
        time=time,
        median_seconds=stats.median(times) if times else None,
        hits_in_order=hits_in_order,
    )


def preference_result(task, choice_answers, reason_answers, confidence, measure):
    """Shares of a preference test's options with intervals, the goodness-of-fit test and the
    reasons; the answers are session id -> value of its preference and reason questions."""
    labels = option_labels(task.options.all())
    counts = Counter(value for value in choice_answers.values() if isinstance(value, str))
    respondents = sum(counts[label] for _, label in labels)
    reasons_by_label = defaultdict(list)
    reasons = []
    for session_id, text in reason_answers.items():
        text = text.strip() if isinstance(text, str) else ""
        label = choice_answers.get(session_id)
        if text and label:
            reasons_by_label[label].append(text)
            reasons.append((label, text))
    options = []
    for screen, label in labels:
        count = counts[label]
        if respondents:
            low, high = stats.completion_interval(count, respondents, confidence)
            share = measure(
                PERCENT, count / respondents, low, high, respondents, count, respondents
            )
        else:
            share = measure(PERCENT, None)
        options.append(OptionResult(screen, label, count, share, tuple(reasons_by_label[label])))
    p_value = None
    if respondents and len(options) >= 2:
        p_value = stats.goodness_of_fit([option.count for option in options])
    return PreferenceResult(options, respondents, p_value, reasons)
