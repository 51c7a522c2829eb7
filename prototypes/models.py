"""All models of the app, defined by area in their own modules."""

from prototypes.authoring.models import Hotspot, Prototype, PrototypeVersion, Screen
from prototypes.jobs import Job
from prototypes.player.models import (
    Answer,
    Comment,
    Event,
    ParticipantSession,
    TaskAttempt,
)
from prototypes.reports.models import Decision, HeatmapImage, ReportExport, ReportShare
from prototypes.studies.models import (
    Criterion,
    Problem,
    Question,
    ShareLink,
    Study,
    StudyChange,
    Task,
)
from prototypes.workspaces.models import Invitation, Membership, Role, Workspace

__all__ = [
    "Answer",
    "Comment",
    "Criterion",
    "Decision",
    "Event",
    "HeatmapImage",
    "Hotspot",
    "Invitation",
    "Job",
    "Membership",
    "ParticipantSession",
    "Problem",
    "Prototype",
    "PrototypeVersion",
    "Question",
    "ReportExport",
    "ReportShare",
    "Role",
    "Screen",
    "ShareLink",
    "Study",
    "StudyChange",
    "Task",
    "TaskAttempt",
    "Workspace",
]
