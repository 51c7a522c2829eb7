"""The recruitment funnel of a study, by source: four queries however many participants.

Every session that started (consent given) is counted once under "Started" and once in
exactly one of its parts, so the columns add up: started = screened out + not finished (still
going, or left) + completed. Invitations follow the same rule through the session they
started.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Q

from prototypes.recruitment.models import Admission, Segment, StudyInvitation
from prototypes.sessions.models import ParticipantSession
from prototypes.studies.models import ShareLink

SessionState = ParticipantSession.State
Status = StudyInvitation.Status

COMPLETED = Q(sessions__state=SessionState.COMPLETED)
SCREENED_OUT = Q(sessions__state=SessionState.SCREENED_OUT)
# Sessions still going, or left before the end.
UNFINISHED = (SessionState.ACTIVE, SessionState.ABANDONED)


@dataclass
class Stage:
    key: str
    label: str
    count: int
    percent: int = 0


@dataclass
class Funnel:
    invitations: list  # Stage: invited, opened, started, screened out, not finished, completed
    links: list  # ShareLink with started, screened_out, unfinished, completed
    segments: list  # Segment with completed
    totals: dict = field(default_factory=dict)
    undeliverable: int = 0
    unsubscribed: int = 0

    @property
    def has_invitations(self):
        return self.invitations[0].count > 0


def study_funnel(study):
    invited = StudyInvitation.objects.filter(study=study).aggregate(
        invited=Count("pk", filter=~Q(status=Status.CANCELLED)),
        opened=Count("pk", filter=Q(opened_at__isnull=False)),
        started=Count("pk", filter=Q(session__isnull=False)),
        screened_out=Count("pk", filter=Q(session__state=SessionState.SCREENED_OUT)),
        unfinished=Count("pk", filter=Q(session__state__in=UNFINISHED)),
        completed=Count("pk", filter=Q(session__state=SessionState.COMPLETED)),
        undeliverable=Count("pk", filter=Q(status__in=[Status.BOUNCED, Status.FAILED])),
        unsubscribed=Count("pk", filter=Q(status=Status.CANCELLED)),
    )
    stages = [
        Stage("invited", "Invited", invited["invited"]),
        Stage("opened", "Opened", invited["opened"]),
        Stage("started", "Started", invited["started"]),
        Stage("screened_out", "Screened out", invited["screened_out"]),
        Stage("unfinished", "Not finished", invited["unfinished"]),
        Stage("completed", "Completed", invited["completed"]),
    ]
    for stage in stages:
        stage.percent = round(100 * stage.count / stages[0].count) if stages[0].count else 0
    links = list(
        ShareLink.objects.filter(study=study)
        .annotate(
            started=Count("sessions"),
            screened_out=Count("sessions", filter=SCREENED_OUT),
            unfinished=Count("sessions", filter=Q(sessions__state__in=UNFINISHED)),
            completed=Count("sessions", filter=COMPLETED),
        )
        .order_by("created_at", "id")
    )
    segments = list(
        Segment.objects.filter(study=study)
        .select_related("question")
        .annotate(
            completed=Count(
                "admissions",
                filter=Q(admissions__session__state=SessionState.COMPLETED),
            )
        )
    )
    totals = {
        column: sum(getattr(link, column) for link in links)
        for column in ("started", "screened_out", "unfinished", "completed")
    }
    return Funnel(
        invitations=stages,
        links=links,
        segments=segments,
        totals=totals,
        undeliverable=invited["undeliverable"],
        unsubscribed=invited["unsubscribed"],
    )


def refusal_counts(study):
    """Screened-out sessions by reason, for the designer to tune the screener."""
    return dict(
        Admission.objects.filter(session__study=study)
        .exclude(refusal="")
        .values_list("refusal")
        .annotate(n=Count("pk"))
        .order_by()
    )
