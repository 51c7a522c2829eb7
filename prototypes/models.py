"""All models of the app, defined by area in their own modules."""

from prototypes.api.models import AccessToken
from prototypes.audio.models import AudioChunk, Recording
from prototypes.audio.transcript_models import AudioClip, Transcript, TranscriptSegment
from prototypes.authoring.models import (
    Hotspot,
    Prototype,
    PrototypeVersion,
    Screen,
    SharedHotspotSet,
)
from prototypes.cardsorts.models import Card, Category, GroupMerge
from prototypes.figma.models import FigmaHotspot, FigmaImport, FigmaScreen
from prototypes.friction.models import EvidenceImport, Item, Theme
from prototypes.jobs import Job
from prototypes.live.models import Observation, ObserverInvite, ObserverNote
from prototypes.moderation.models import Command, ModeratedSession, Note, WizardTurn
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
    QuoteCuration,
    ReportExport,
    ReportShare,
    SessionExclusion,
)
from prototypes.sessions.models import (
    Answer,
    Comment,
    Event,
    ParticipantSession,
    TaskAttempt,
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
from prototypes.webhooks.models import Delivery, DeliveryAttempt, Endpoint, VerdictState
from prototypes.workspaces.models import Invitation, Membership, Role, Workspace

__all__ = [
    "AccessToken",
    "Admission",
    "Answer",
    "AudioChunk",
    "AudioClip",
    "Card",
    "Category",
    "Command",
    "Comment",
    "ConceptAssignment",
    "ConsentText",
    "Contact",
    "ContactImport",
    "Criterion",
    "Decision",
    "Delivery",
    "DeliveryAttempt",
    "Endpoint",
    "Event",
    "EvidenceImport",
    "FigmaHotspot",
    "FigmaImport",
    "FigmaScreen",
    "GroupMerge",
    "HeatmapImage",
    "Hotspot",
    "Invitation",
    "Item",
    "Job",
    "LinkSettings",
    "Membership",
    "ModeratedSession",
    "Note",
    "Observation",
    "ObserverInvite",
    "ObserverNote",
    "OptOut",
    "PanelSettings",
    "ParticipantSession",
    "Problem",
    "Prototype",
    "PrototypeVersion",
    "Question",
    "QuoteCuration",
    "Recording",
    "ReportExport",
    "ReportShare",
    "Role",
    "Screen",
    "ScreenerQuestion",
    "Segment",
    "SessionExclusion",
    "ShareLink",
    "SharedHotspotSet",
    "Study",
    "StudyChange",
    "StudyConcept",
    "StudyInvitation",
    "StudyRecruitment",
    "Task",
    "TaskAttempt",
    "Theme",
    "Transcript",
    "TranscriptSegment",
    "TreeNode",
    "VerdictState",
    "WizardTurn",
    "Workspace",
]
