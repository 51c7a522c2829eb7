"""All models of the app, defined by area in their own modules."""

from prototypes.authoring.models import Hotspot, Prototype, PrototypeVersion, Screen
from prototypes.cardsorts.models import Card, Category, GroupMerge
from prototypes.jobs import Job
from prototypes.player.models import (
    Answer,
    Comment,
    Event,
    ParticipantSession,
    TaskAttempt,
)
from prototypes.recruitment.models import (
    Admission,
    ConsentText,
    Contact,
    ContactImport,
    LinkSettings,
    OptOut,
    PanelSettings,
    ScreenerQuestion,
    Segment,
    StudyInvitation,
    StudyRecruitment,
)
from prototypes.reports.models import (
    Decision,
    HeatmapImage,
    ReportExport,
    ReportShare,
    SessionExclusion,
)
from prototypes.studies.models import (
    ConceptAssignment,
    Criterion,
    Problem,
    Question,
    ShareLink,
    Study,
    StudyChange,
    StudyConcept,
    Task,
)
from prototypes.treetests.models import TreeNode
from prototypes.workspaces.models import Invitation, Membership, Role, Workspace

__all__ = [
    "Admission",
    "Answer",
    "Card",
    "Category",
    "Comment",
    "ConceptAssignment",
    "ConsentText",
    "Contact",
    "ContactImport",
    "Criterion",
    "Decision",
    "Event",
    "GroupMerge",
    "HeatmapImage",
    "Hotspot",
    "Invitation",
    "Job",
    "LinkSettings",
    "Membership",
    "OptOut",
    "PanelSettings",
    "ParticipantSession",
    "Problem",
    "Prototype",
    "PrototypeVersion",
    "Question",
    "ReportExport",
    "ReportShare",
    "Role",
    "Screen",
    "ScreenerQuestion",
    "Segment",
    "SessionExclusion",
    "ShareLink",
    "Study",
    "StudyChange",
    "StudyConcept",
    "StudyInvitation",
    "StudyRecruitment",
    "Task",
    "TreeNode",
    "TaskAttempt",
    "Workspace",
]
