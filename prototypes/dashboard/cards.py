"""What the dashboard shows: a card per study and per prototype, and a first-steps checklist.

The page must stay fast however many studies a workspace has, so everything on it comes from a
fixed number of queries: counts, last activity and thumbnails are annotations. A verdict needs
the study's whole report, so it is kept in the cache under a fingerprint of the study's data
(participants, last activity, revision, exclusions): a card whose verdict is cached shows it at
once, and the others fetch theirs with htmx after the page has loaded.
"""

import logging
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import (
    Count,
    DateTimeField,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from prototypes.authoring.models import Prototype, Screen
from prototypes.reports.models import ReportShare, SessionExclusion
from prototypes.sessions.models import ParticipantSession
from prototypes.studies.models import Problem, ShareLink, Study

logger = logging.getLogger(__name__)

STUDY_CARDS = 12
PROTOTYPE_CARDS = 8
# A cached verdict older than this is drawn again even if the fingerprint has not changed.
VERDICT_SECONDS = 30 * 60


@dataclass
class StudyCard:
    study: Study
    started: int
    finished: int
    target: int
    last_activity: object
    thumbnail_url: str | None
    verdict: str | None  # None until the verdict is known (see module docstring)

    @property
    def percent(self):
        return min(100, round(100 * self.finished / self.target)) if self.target else 0

    @property
    def target_reached(self):
        return self.study.state == Study.State.LIVE and self.finished >= self.target

    @property
    def verdict_css(self):
        return (self.verdict or "").replace(" ", "-")


@dataclass
class ChecklistStep:
    label: str
    done: bool
    url_name: str
    action: str


def thumbnail_url(name):
    return Screen.thumbnail.field.storage.url(name) if name else None


def _first_thumbnail(version_ref):
    """The thumbnail file of a version's first screen that has one, as a subquery."""
    return Subquery(
        Screen.objects.filter(version=version_ref)
        .exclude(thumbnail="")
        .order_by("position", "id")
        .values("thumbnail")[:1]
    )


def _sessions_of_study(**filters):
    return Subquery(
        ParticipantSession.objects.filter(study=OuterRef("pk"), **filters)
        .order_by()
        .values("study")
        .annotate(n=Count("pk"))
        .values("n"),
        output_field=IntegerField(),
    )


def _latest_of_study(field):
    return Subquery(
        ParticipantSession.objects.filter(study=OuterRef("pk"))
        .order_by()
        .values("study")
        .annotate(latest=Max(field))
        .values("latest"),
        output_field=DateTimeField(),
    )


def latest(*moments):
    return max(moment for moment in moments if moment is not None)


def verdict_key(study, started, finished, last_activity, exclusions):
    stamp = last_activity.timestamp() if last_activity else 0
    return (
        f"dashboard-verdict:{study.pk}:{study.revision}:{study.state}:{started}:{finished}:"
        f"{exclusions}:{stamp}"
    )


def _cached_verdicts(keys):
    try:
        return cache.get_many(keys)
    except Exception as error:  # noqa: BLE001 - a cache outage only makes the badges load later
        logger.warning("Dashboard verdicts not read from the cache: %s", error)
        return {}


def study_cards(workspace, limit=STUDY_CARDS):
    """Cards of the workspace's latest studies, in a fixed number of queries."""
    zero = Value(0)
    studies = list(
        Study.objects.filter(workspace=workspace)
        .select_related("prototype_version__prototype")
        .annotate(
            started_count=Coalesce(
                _sessions_of_study(state__in=["active", "completed", "abandoned"]), zero
            ),
            finished_count=Coalesce(_sessions_of_study(state="completed"), zero),
            excluded_count=Coalesce(
                Subquery(
                    SessionExclusion.objects.filter(session__study=OuterRef("pk"))
                    .order_by()
                    .values("session__study")
                    .annotate(n=Count("pk"))
                    .values("n"),
                    output_field=IntegerField(),
                ),
                zero,
            ),
            last_seen=_latest_of_study("last_seen_at"),
            last_started=_latest_of_study("started_at"),
            thumbnail_name=_first_thumbnail(OuterRef("prototype_version")),
        )[:limit]
    )
    keys = {}
    for study in studies:
        study.last_activity = max(
            (
                moment
                for moment in (study.last_seen, study.last_started, study.created_at)
                if moment
            ),
        )
        keys[study.pk] = verdict_key(
            study,
            study.started_count,
            study.finished_count,
            study.last_activity,
            study.excluded_count,
        )
    cached = _cached_verdicts(list(keys.values())) if keys else {}
    return [
        StudyCard(
            study=study,
            started=study.started_count,
            finished=study.finished_count,
            target=study.target_participants,
            last_activity=study.last_activity,
            thumbnail_url=thumbnail_url(study.thumbnail_name),
            verdict=cached.get(keys[study.pk]),
        )
        for study in studies
    ]


def study_verdict(study):
    """The study's verdict, drawn from its report and kept in the cache for its cards."""
    from prototypes.reports.metrics import build_report

    sessions = ParticipantSession.objects.filter(study=study)
    facts = sessions.aggregate(
        started=Count("pk", filter=~Q(state=ParticipantSession.State.SCREENED_OUT)),
        finished=Count("pk", filter=Q(state=ParticipantSession.State.COMPLETED)),
        last_seen=Max("last_seen_at"),
        last_started=Max("started_at"),
        exclusions=Count("exclusion"),
    )
    last_activity = max(
        moment for moment in (facts["last_seen"], facts["last_started"], study.created_at) if moment
    )
    key = verdict_key(
        study, facts["started"], facts["finished"], last_activity, facts["exclusions"]
    )
    verdict = build_report(study).verdict
    try:
        cache.set(key, verdict, VERDICT_SECONDS)
    except Exception as error:  # noqa: BLE001 - the badge is shown; only the next load is slower
        logger.warning("Dashboard verdict not cached: %s", error)
    return verdict


def prototype_cards(workspace, limit=PROTOTYPE_CARDS):
    """The latest prototypes, each with the thumbnail of its newest version's first screen."""
    newest_screen = Subquery(
        Screen.objects.filter(version__prototype=OuterRef("pk"))
        .exclude(thumbnail="")
        .order_by("-version__number", "position", "id")
        .values("thumbnail")[:1]
    )
    prototypes = list(
        Prototype.objects.filter(workspace=workspace).annotate(
            version_count=Count("versions", filter=Q(versions__number__gt=0)),
            thumbnail_name=newest_screen,
        )[:limit]
    )
    for prototype in prototypes:
        prototype.thumbnail_url = thumbnail_url(prototype.thumbnail_name)
    return prototypes


def first_steps(workspace):
    """The checklist of a new workspace: problem → prototype → study → share."""
    has_problem = Problem.objects.filter(workspace=workspace).exists()
    has_prototype = Prototype.objects.filter(workspace=workspace).exists()
    has_study = Study.objects.filter(workspace=workspace).exists()
    shared = (
        ShareLink.objects.filter(study__workspace=workspace).exists()
        or ReportShare.objects.filter(study__workspace=workspace).exists()
    )
    return [
        ChecklistStep(
            "State the customer problem", has_problem, "problem_create", "Describe a problem"
        ),
        ChecklistStep(
            "Make a prototype of your idea", has_prototype, "prototype_create", "New prototype"
        ),
        ChecklistStep(
            "Plan a study: tasks and what success means", has_study, "study_create", "Plan a study"
        ),
        ChecklistStep(
            "Go live and share the link with participants", shared, "study_list", "Your studies"
        ),
    ]


def dashboard_context(workspace):
    steps = first_steps(workspace)
    return {
        "workspace": workspace,
        "study_cards": study_cards(workspace),
        "prototypes": prototype_cards(workspace),
        "steps": steps,
        "steps_done": sum(step.done for step in steps),
        "all_steps_done": all(step.done for step in steps),
    }
