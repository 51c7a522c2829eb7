from django.conf import settings
from django.db import models

from prototypes.tokens import new_token, revoke_undoable


class Observation(models.Model):
    """Whether a study's sessions may be watched live, and from which consent version on.

    Participants are told in the consent text (see prototypes.live.observe.allow): only the
    sessions whose participant agreed to a text with the notice can be watched.
    """

    WORKSPACE_PATH = "study__workspace"

    study = models.OneToOneField(
        "prototypes.Study", on_delete=models.CASCADE, related_name="live_observation"
    )
    allowed = models.BooleanField(default=False)
    # The first consent version that told participants about live observation.
    since_consent_version = models.PositiveIntegerField(default=1)
    changed_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Live observation of {self.study}: {'on' if self.allowed else 'off'}"


class ObserverInvite(models.Model):
    """A link for someone outside the workspace to watch a study's sessions live."""

    WORKSPACE_PATH = "study__workspace"

    study = models.ForeignKey(
        "prototypes.Study", on_delete=models.CASCADE, related_name="observer_invites"
    )
    label = models.CharField(
        max_length=80, help_text="Who the link is for; their notes are signed with it."
    )
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Observer link for {self.study}: {self.label}"

    @property
    def revoke_undoable(self):
        return revoke_undoable(self.revoked_at)


class ObserverNote(models.Model):
    """What an observer wrote while watching a session, at a moment of it; never shown to the
    participant. A quoted note appears in the study's summary."""

    WORKSPACE_PATH = "session__study__workspace"

    session = models.ForeignKey(
        "prototypes.ParticipantSession", on_delete=models.CASCADE, related_name="observer_notes"
    )
    # Milliseconds since the session started (the participant's clock), like events.
    t_ms = models.PositiveBigIntegerField()
    text = models.TextField()
    # Lower-case words, e.g. ["pricing", "confusion"].
    tags = models.JSONField(default=list, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    invite = models.ForeignKey(
        ObserverInvite, on_delete=models.SET_NULL, null=True, blank=True, related_name="notes"
    )
    # The author's name as shown (an email or an invite's label): kept if either goes.
    author_name = models.CharField(max_length=254)
    quoted = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session", "t_ms", "id"]

    def __str__(self):
        return f"Note at {self.t_ms} ms on session {self.session_id}"
