import base64
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from prototypes.workspaces.models import Workspace


class EventType(models.TextChoices):
    PARTICIPANT_FINISHED = "participant.finished", "A participant finished a study"
    CRITERION_SETTLED = "criterion.settled", "A success criterion reached PASS or FAIL"
    VERDICT_CHANGED = "verdict.changed", "A study's verdict changed"
    STUDY_CLOSED = "study.closed", "A study was closed"
    EXPORT_READY = "export.ready", "An export is ready to download"


def new_secret():
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def new_message_id():
    return f"msg_{uuid.uuid4().hex}"


class Endpoint(models.Model):
    class Format(models.TextChoices):
        STANDARD = "standard", "JSON (Standard Webhooks)"
        SLACK = "slack", "Slack-compatible message"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField("URL", max_length=500)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list)
    format = models.CharField(max_length=16, choices=Format.choices, default=Format.STANDARD)
    # Stored as given: every delivery is signed with it, so it cannot be kept as a hash.
    secret = models.CharField(max_length=100, default=new_secret)
    is_active = models.BooleanField(default=True)
    failures_in_a_row = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    WORKSPACE_PATH = "workspace"

    class Meta:
        app_label = "prototypes"
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.url

    def wants(self, event_type):
        return self.is_active and event_type in self.events

    def event_labels(self):
        labels = dict(EventType.choices)
        return [labels[event] for event in self.events if event in labels]


class Delivery(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_type = models.CharField(max_length=40, choices=EventType.choices)
    # One delivery per endpoint and happening, however often the code that noticed it runs.
    happening = models.CharField(max_length=200)
    message_id = models.CharField(max_length=40, unique=True, default=new_message_id)
    payload = models.JSONField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    WORKSPACE_PATH = "endpoint__workspace"

    class Meta:
        app_label = "prototypes"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "happening"], name="one_delivery_per_happening"
            )
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self):
        return f"{self.event_type} to {self.endpoint_id} ({self.state})"


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    by_hand = models.BooleanField(default=False)

    class Meta:
        app_label = "prototypes"
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="one_attempt_per_number")
        ]

    def __str__(self):
        return f"attempt {self.number} of {self.delivery_id}: {self.status_code or self.error}"

    @property
    def succeeded(self):
        return self.status_code is not None and 200 <= self.status_code < 300


class VerdictState(models.Model):
    """The verdicts a study's endpoints were last told, to notice when one changes."""

    study = models.OneToOneField(
        "prototypes.Study", on_delete=models.CASCADE, related_name="webhook_verdicts"
    )
    verdict = models.CharField(max_length=20)
    criteria = models.JSONField(default=dict)
    # How many times the verdict changed: each change is told once.
    changes = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "prototypes"

    def __str__(self):
        return f"{self.study_id}: {self.verdict}"
