"""What a moderated session keeps: its schedule and state, the facilitator's commands (the
participant's player follows them in order), notes only the workspace sees (and the summary's
readers, once quoted), and the Wizard of Oz turns of a scripted flow."""

from django.conf import settings
from django.db import models

from prototypes.sessions.models import ParticipantSession
from prototypes.studies.models import ShareLink, Study
from prototypes.tokens import new_token

MAX_NOTE_CHARS = 2000
MAX_REPLY_CHARS = 2000
MAX_NAME_CHARS = 120


class ModeratedSession(models.Model):
    """One participant's session with a facilitator, reached by the participant through its
    personal link (an unguessable token) and by the workspace's members from the study."""

    WORKSPACE_PATH = "study__workspace"

    class State(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        LIVE = "live", "Live"
        PAUSED = "paused", "Paused"
        ENDED = "ended", "Ended"

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="moderated_sessions")
    # The session starts through a share link of its own, so the participant goes through the
    # same consent and admission as everyone else, and the link can be revoked.
    share_link = models.OneToOneField(
        ShareLink, on_delete=models.CASCADE, related_name="moderated_session"
    )
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    participant_name = models.CharField(max_length=MAX_NAME_CHARS)
    scheduled_at = models.DateTimeField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.SCHEDULED)
    participant_session = models.OneToOneField(
        ParticipantSession,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="moderated_session",
    )
    # A facilitator's console says it is open every few seconds: the participant is told a
    # facilitator is here only while one is.
    facilitator_seen_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["scheduled_at", "id"]

    def __str__(self):
        return f"Moderated session with {self.participant_name}"

    def get_absolute_url(self):
        # The participant's personal link (served by prototypes.moderation.urls).
        return f"/m/{self.token}/"


class Command(models.Model):
    """Something the facilitator did that the participant's player follows, in id order.

    Stored before it is pushed, so a player that missed the push (a dropped connection, a
    reload) catches up by asking for the commands after the last id it saw.
    """

    class Kind(models.TextChoices):
        JOIN = "join", "Facilitator joined"
        LEAVE = "leave", "Facilitator left"
        NEXT_TASK = "next_task", "Next task"
        PAUSE = "pause", "Paused"
        RESUME = "resume", "Resumed"
        END = "end", "Ended"
        WIZARD = "wizard", "Wizard reply"

    moderated = models.ForeignKey(
        ModeratedSession, on_delete=models.CASCADE, related_name="commands"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    data = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["moderated", "id"]

    def __str__(self):
        return self.get_kind_display()

    def as_message(self):
        """What the participant's player is sent: nothing but the command itself."""
        return {"id": self.pk, "kind": self.kind, "data": self.data}


class Note(models.Model):
    """A facilitator's timestamped note, tagged like observers' notes. Never sent to the
    participant. A designer may quote it in the study's summary, beside quoted observer notes."""

    WORKSPACE_PATH = "moderated__study__workspace"

    moderated = models.ForeignKey(ModeratedSession, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    text = models.TextField(max_length=MAX_NOTE_CHARS)
    # Milliseconds since the participant's session started (None before it did), the clock the
    # replay plays on.
    t_ms = models.PositiveBigIntegerField(null=True, blank=True)
    # Lower-case words, e.g. ["pricing", "confusion"] (live.observe.parse_tags).
    tags = models.JSONField(default=list, blank=True)
    quoted = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.text[:60]

    @property
    def clock(self):
        """When in the participant's session it was written, as m:ss."""
        if self.t_ms is None:
            return None
        seconds = self.t_ms // 1000
        return f"{seconds // 60}:{seconds % 60:02d}"


class WizardTurn(models.Model):
    """One answer of the participant on a [wizard] step, and who answered it.

    pending → answered (the facilitator picked the next step or typed the bot's reply) or
    timed_out (nobody answered in time: the step's fallback answered).
    """

    WORKSPACE_PATH = "moderated__study__workspace"

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for the wizard"
        ANSWERED = "answered", "Answered by the wizard"
        TIMED_OUT = "timed_out", "Timed out: the script's fallback answered"

    moderated = models.ForeignKey(ModeratedSession, on_delete=models.CASCADE, related_name="turns")
    step = models.CharField(max_length=100)
    text = models.TextField(max_length=MAX_REPLY_CHARS)
    # Where the script itself would go with this answer: the first suggestion.
    script_target = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    deadline = models.DateTimeField()
    target = models.CharField(max_length=100, blank=True)
    reply = models.TextField(max_length=MAX_REPLY_CHARS, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    t_ms = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["moderated", "id"]
        indexes = [models.Index(fields=["moderated", "state"])]

    def __str__(self):
        return f"Turn on {self.step}: {self.get_state_display()}"

    def outcome(self):
        """What the participant's player is told about the turn."""
        return {
            "id": self.pk,
            "state": self.state,
            "target": self.target or None,
            "reply": self.reply,
        }
