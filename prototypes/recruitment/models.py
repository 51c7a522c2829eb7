"""Recruiting participants: the workspace's panel of contacts, invitations to studies, the
screener asked before the tasks, per-segment quotas and the consent texts participants agreed to.
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_noop

from prototypes.sessions.models import ParticipantSession
from prototypes.studies.language import in_language
from prototypes.studies.models import ShareLink, Study
from prototypes.tokens import new_token
from prototypes.workspaces.models import Workspace

DEFAULT_COOLING_OFF_DAYS = 30


class PanelSettings(models.Model):
    """A workspace's rules for contacting and keeping its participants."""

    workspace = models.OneToOneField(
        Workspace, on_delete=models.CASCADE, related_name="panel_settings"
    )
    cooling_off_days = models.PositiveIntegerField(
        "Cooling-off period (days)",
        default=DEFAULT_COOLING_OFF_DAYS,
        help_text="Nobody is invited again within this many days of their last invitation.",
    )
    retention_days = models.PositiveIntegerField(
        "Keep personal data for (days)",
        null=True,
        blank=True,
        help_text="After this many days, participants' personal data is erased automatically "
        "(anonymous results stay). Leave empty to keep it until you erase it.",
    )
    # Sessions started before this moment have already had their personal data purged.
    purged_until = models.DateTimeField(null=True, blank=True, editable=False)

    def __str__(self):
        return f"Panel settings of {self.workspace}"


class Contact(models.Model):
    """Someone in the workspace's participant panel, who may be invited to studies."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="contacts")
    email = models.EmailField()
    attributes = models.JSONField(default=dict, blank=True)
    # The key of the unsubscribe link in every email; it never changes, so old emails keep working.
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    last_study_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["email", "id"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"), "workspace", name="one_contact_per_email_in_workspace"
            )
        ]

    def __str__(self):
        return self.email

    @property
    def is_subscribed(self):
        return self.unsubscribed_at is None


class OptOut(models.Model):
    """An unsubscribe that outlives the contact's erasure.

    Only a keyed digest of the email is kept, so the address cannot be read back, yet a later
    import of the same address is recognised and never emailed.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="opt_outs")
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "digest"], name="one_opt_out_per_email")
        ]

    def __str__(self):
        return f"Opt-out {self.digest[:8]}…"


class ContactImport(models.Model):
    """A checked CSV file waiting for the designer's go-ahead; its rows are cleared once used."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="contact_imports"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    filename = models.CharField(max_length=255)
    columns = models.JSONField(default=list)
    email_column = models.CharField(max_length=200)
    # [line, email, attributes] of every row that can be imported.
    rows = models.JSONField(default=list)
    # {"line", "email", "problem"} of every row that cannot.
    problems = models.JSONField(default=list)
    # The first lines of the file as read, for the preview.
    preview = models.JSONField(default=list)
    row_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    imported_at = models.DateTimeField(null=True, blank=True)
    imported_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Import of {self.filename}"


class StudyRecruitment(models.Model):
    """How a study recruits: its overall quota, the invitation email and its reminder."""

    WORKSPACE_PATH = "study__workspace"
    # Translated into the participants' language while left unchanged (follow_language).
    DEFAULT_SUBJECT = gettext_noop("Would you help us test a new design?")
    DEFAULT_MESSAGE = gettext_noop(
        "We are trying out an early design and would love to see how you find it. It takes "
        "about ten minutes in your browser, and there are no wrong answers: we are testing the "
        "design, not you."
    )

    study = models.OneToOneField(Study, on_delete=models.CASCADE, related_name="recruitment")
    quota = models.PositiveIntegerField(
        "Close the study after this many completed participants",
        null=True,
        blank=True,
        help_text="Leave empty to keep the study open until you close it. Participants who "
        "finish after the quota is reached are not counted.",
    )
    reminder_after_days = models.PositiveIntegerField(
        "Remind after (days)",
        null=True,
        blank=True,
        default=3,
        help_text="Invited contacts who have not opened their link by then get one reminder. "
        "Leave empty for no reminder.",
    )
    invitation_subject = models.CharField(max_length=150, default=DEFAULT_SUBJECT)
    invitation_message = models.TextField(default=DEFAULT_MESSAGE)
    # The share link invitations start the player on, so results can be split by source.
    invitation_link = models.ForeignKey(
        ShareLink, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self):
        return f"Recruitment of {self.study}"

    def follow_language(self):
        """Put the pre-filled subject and message still unchanged into the study's language;
        whether anything changed."""
        language = self.study.language
        subject = in_language(self.invitation_subject, self.DEFAULT_SUBJECT, language)
        message = in_language(self.invitation_message, self.DEFAULT_MESSAGE, language)
        changed = (subject, message) != (self.invitation_subject, self.invitation_message)
        self.invitation_subject, self.invitation_message = subject, message
        return changed


class LinkSettings(models.Model):
    """What a share link's participants get when they finish (external panels need it)."""

    WORKSPACE_PATH = "link__study__workspace"

    link = models.OneToOneField(ShareLink, on_delete=models.CASCADE, related_name="settings")
    completion_code = models.CharField(max_length=64, blank=True)
    completion_redirect_url = models.CharField(max_length=500, blank=True)

    def __str__(self):
        return f"Settings of {self.link}"


class ScreenerQuestion(models.Model):
    """A question asked before the tasks; a rule on its answer decides who takes part."""

    WORKSPACE_PATH = "study__workspace"

    class Kind(models.TextChoices):
        SINGLE = "single", "Single choice"
        MULTIPLE = "multiple", "Multiple choice"
        NUMBER = "number", "Number"

    class Rule(models.TextChoices):
        ANY = "any", "Any answer takes part"
        MUST_BE = "must_be", "Answer must be one of"
        MUST_NOT_BE = "must_not_be", "Answer must not be any of"
        RANGE = "range", "Answer must be in a range"

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="screener_questions")
    position = models.PositiveIntegerField(default=0)
    text = models.TextField()
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.SINGLE)
    choices = models.JSONField(default=list, blank=True)
    rule = models.CharField(max_length=16, choices=Rule.choices, default=Rule.ANY)
    # The choices the rule names (must be / must not be).
    rule_choices = models.JSONField(default=list, blank=True)
    minimum = models.FloatField(null=True, blank=True)
    maximum = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["study", "position", "id"]

    def __str__(self):
        return self.text[:60]

    @property
    def field_name(self):
        return f"screener-{self.pk}"

    def describe_rule(self):
        if self.rule == self.Rule.ANY:
            return "Anyone takes part, whatever the answer."
        if self.rule == self.Rule.RANGE:
            if self.minimum is not None and self.maximum is not None:
                return f"Takes part with an answer from {self.minimum:g} to {self.maximum:g}."
            if self.minimum is not None:
                return f"Takes part with an answer of {self.minimum:g} or more."
            return f"Takes part with an answer of {self.maximum:g} or less."
        named = " or ".join(f"“{choice}”" for choice in self.rule_choices)
        if self.rule == self.Rule.MUST_BE:
            if self.kind == self.Kind.MULTIPLE:
                return f"Takes part when choosing {named}."
            return f"Takes part when answering {named}."
        if self.kind == self.Kind.MULTIPLE:
            return f"Screened out when choosing {named}."
        return f"Screened out when answering {named}."


class Segment(models.Model):
    """Participants giving one answer to a screener question, with their own quota."""

    WORKSPACE_PATH = "study__workspace"

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="segments")
    question = models.ForeignKey(
        ScreenerQuestion, on_delete=models.CASCADE, related_name="segments"
    )
    value = models.CharField(max_length=200)
    quota = models.PositiveIntegerField(help_text="Completed participants wanted in this segment.")

    class Meta:
        ordering = ["question__position", "question_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["question", "value"], name="one_segment_per_answer")
        ]

    def __str__(self):
        return f"{self.question.text[:40]}: {self.value}"


class Admission(models.Model):
    """How a session got in, or why it was turned away: screener answers and segment."""

    WORKSPACE_PATH = "session__study__workspace"

    class Refusal(models.TextChoices):
        NONE = "", "Admitted"
        SCREENER = "screener", "Did not match the screener"
        SEGMENT_FULL = "segment_full", "Their segment was already full"
        OVER_QUOTA = "over_quota", "Finished after a quota was reached"

    session = models.OneToOneField(
        ParticipantSession, on_delete=models.CASCADE, related_name="admission"
    )
    answers = models.JSONField(default=dict, blank=True)
    segment = models.ForeignKey(
        Segment, on_delete=models.SET_NULL, null=True, blank=True, related_name="admissions"
    )
    refusal = models.CharField(max_length=16, choices=Refusal.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Admission of {self.session}: {self.get_refusal_display()}"


class ConsentText(models.Model):
    """Each version of a study's consent text that participants agreed to, word for word."""

    WORKSPACE_PATH = "study__workspace"

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="consent_texts")
    version = models.PositiveIntegerField()
    text = models.TextField()
    first_agreed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["study", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["study", "version"], name="one_text_per_version")
        ]

    def __str__(self):
        return f"Consent version {self.version} of {self.study}"


class StudyInvitation(models.Model):
    """A personal, single-use invitation of a panel contact to a study, sent by email."""

    WORKSPACE_PATH = "study__workspace"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENT = "sent", "Sent"
        BOUNCED = "bounced", "Refused by the mail server"
        FAILED = "failed", "Could not be sent"
        CANCELLED = "cancelled", "Not sent: unsubscribed"
        OPENED = "opened", "Opened"
        SCREENED_OUT = "screened_out", "Screened out"
        STARTED = "started", "Started"
        COMPLETED = "completed", "Completed"

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="invitations")
    # Null once the contact has been erased: the anonymous outcome stays in the funnel.
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="invitations"
    )
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    session = models.OneToOneField(
        ParticipantSession,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitation",
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["study", "contact"], name="one_invitation_per_study")
        ]
        indexes = [models.Index(fields=["status", "sent_at"])]

    def __str__(self):
        return f"Invitation to {self.study}"
