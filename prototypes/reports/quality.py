"""Response quality: sessions whose data may not deserve to count, and leaving them out.

Unmoderated tests pay participants to get through, and a few get through without really
trying. Three signs are flagged for the designer to look at (and to replay); none is acted on
automatically, because each has innocent explanations:

* Speeders: a completed session whose total time is under a third of the median of completed
  sessions. Survey research flags respondents by their time relative to the median
  (Greszki, Meyer & Schoen, "Exploring the effects of removing 'too fast' responses and
  respondents from web surveys", Public Opinion Quarterly 79(2), 2015); MeasuringU's
  guidance on cleaning unmoderated data likewise looks for people far faster than the rest
  rather than applying a fixed number of seconds. A third of the median is a cautious cut:
  someone that fast can hardly have read the tasks.
* Straight-liners on the SUS: the same answer to all ten statements. The SUS alternates
  positive and negative statements (Brooke 1996), so agreeing equally with "I found the
  system easy to use" and "I found the system unnecessarily complex" is inconsistent.
* No interaction: a finished session that started tasks but never clicked, typed, commented
  or answered a task's question anywhere.

Flags are computed for the whole study in a fixed number of queries. Exclusions are
``SessionExclusion`` rows: ``build_report`` leaves excluded sessions out and lists them with
their reasons; removing the row brings the session back.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from statistics import median

from django.db import transaction
from django.db.models import Max

from prototypes.reports.models import SessionExclusion
from prototypes.reports.present import format_seconds
from prototypes.sessions.models import Answer, Event, ParticipantSession, TaskAttempt
from prototypes.studies.models import Question

SPEEDER = "speeder"
STRAIGHT_LINER = "straight_liner"
NO_INTERACTION = "no_interaction"
# A session faster than this share of the median completed session is flagged.
SPEEDER_SHARE_OF_MEDIAN = 1 / 3
# Below this many completed sessions the median says too little to call anyone fast.
SPEEDER_MIN_SESSIONS = 5
INTERACTION_TYPES = (
    Event.Type.CLICK,
    Event.Type.MISCLICK,
    Event.Type.TEXT,
    Event.Type.COMMENT,
)
MAX_REASON_CHARS = SessionExclusion._meta.get_field("reason").max_length


@dataclass(frozen=True)
class Flag:
    kind: str
    text: str


@dataclass
class FlaggedSession:
    session: ParticipantSession
    flags: list = field(default_factory=list)

    @property
    def exclusion(self):
        return getattr(self.session, "exclusion", None)

    @property
    def is_excluded(self):
        return self.exclusion is not None

    @property
    def reason_text(self):
        """The flags as one sentence, offered as the reason when excluding the session."""
        return "; ".join(flag.text for flag in self.flags)


@dataclass
class QualityReview:
    """Flagged sessions, and the excluded ones (flagged or not), in the order they started."""

    sessions: list
    median_seconds: float | None
    completed: int

    @property
    def flagged(self):
        return [item for item in self.sessions if item.flags]

    @property
    def excluded(self):
        return [item for item in self.sessions if item.is_excluded]

    @property
    def speeder_limit_seconds(self):
        if self.median_seconds is None:
            return None
        return self.median_seconds * SPEEDER_SHARE_OF_MEDIAN


def review(study):
    """Every flagged or excluded session of ``study``, with its flags, in seven queries."""
    flags = defaultdict(list)
    median_seconds, completed = _speeders(study, flags)
    _straight_liners(study, flags)
    _without_interaction(study, flags)
    excluded = SessionExclusion.objects.filter(session__study=study).values_list(
        "session_id", flat=True
    )
    sessions = (
        ParticipantSession.objects.filter(pk__in=set(flags) | set(excluded))
        .select_related("exclusion__excluded_by")
        .order_by("started_at", "id")
    )
    return QualityReview(
        sessions=[FlaggedSession(session, flags.get(session.pk, [])) for session in sessions],
        median_seconds=median_seconds,
        completed=completed,
    )


def session_flags(session):
    """The flags of one session (for its replay page)."""
    for item in review(session.study).sessions:
        if item.session.pk == session.pk:
            return item.flags
    return []


def _speeders(study, flags):
    totals = dict(
        Event.objects.filter(
            session__study=study, session__state=ParticipantSession.State.COMPLETED
        )
        .order_by()
        .values_list("session_id")
        .annotate(last=Max("t_ms"))
    )
    if not totals:
        return None, 0
    median_ms = median(totals.values())
    if len(totals) < SPEEDER_MIN_SESSIONS:
        return median_ms / 1000, len(totals)
    limit = median_ms * SPEEDER_SHARE_OF_MEDIAN
    for session_id, total_ms in totals.items():
        if total_ms < limit:
            flags[session_id].append(
                Flag(
                    SPEEDER,
                    f"Speeder: finished in {format_seconds(total_ms / 1000)}, under a third of "
                    f"the median {format_seconds(median_ms / 1000)}",
                )
            )
    return median_ms / 1000, len(totals)


def _straight_liners(study, flags):
    answers = Answer.objects.filter(
        session__study=study, question__kind=Question.Kind.SUS
    ).values_list("session_id", "value")
    for session_id, value in answers:
        if isinstance(value, list) and len(value) == 10 and len(set(value)) == 1:
            flags[session_id].append(
                Flag(
                    STRAIGHT_LINER,
                    f"Straight-liner: answered {value[0]} to all ten SUS statements, positive "
                    "and negative alike",
                )
            )


def _without_interaction(study, flags):
    """Finished sessions that reached a task but never did anything in any."""
    reached = set(
        TaskAttempt.objects.filter(session__study=study)
        .exclude(session__state=ParticipantSession.State.ACTIVE)
        .order_by()
        .values_list("session_id", flat=True)
        .distinct()
    )
    if not reached:
        return
    interacted = set(
        Event.objects.filter(session__study=study, type__in=INTERACTION_TYPES)
        .order_by()
        .values_list("session_id", flat=True)
        .distinct()
    ) | set(
        Answer.objects.filter(session__study=study, question__task__isnull=False)
        .order_by()
        .values_list("session_id", flat=True)
    )
    for session_id in reached - interacted:
        flags[session_id].append(
            Flag(NO_INTERACTION, "No interaction: no click, text or answer in any task")
        )


def exclude_session(session, user, reason):
    """Leave ``session`` out of its study's results, or change the reason if it already is."""
    reason = " ".join(reason.split())[:MAX_REASON_CHARS]
    if not reason:
        raise ValueError("An exclusion needs a reason.")
    with transaction.atomic():
        exclusion, _ = SessionExclusion.objects.update_or_create(
            session=session, defaults={"reason": reason, "excluded_by": user}
        )
    return exclusion


def include_session(session):
    """Count ``session`` again; False when it was not excluded."""
    deleted, _ = SessionExclusion.objects.filter(session=session).delete()
    return bool(deleted)
