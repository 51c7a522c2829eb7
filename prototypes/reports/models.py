import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone

from prototypes.authoring.models import Screen
from prototypes.studies.models import Problem, Study
from prototypes.tokens import new_token, revoke_undoable


class ReportShareQuerySet(models.QuerySet):
    def active(self):
        now = timezone.now()
        return self.filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now),
            revoked_at__isnull=True,
        )


class ReportShare(models.Model):
    """A read-only link to a study's summary for stakeholders without an account."""

    WORKSPACE_PATH = "study__workspace"

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="report_shares")
    label = models.CharField(
        max_length=80, blank=True, help_text="Who the link is for, e.g. “Steering committee”."
    )
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReportShareQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Report link for {self.study}: {self.label or 'unnamed'}"

    def get_absolute_url(self):
        # Spelt out like ShareLink's: reversing would load every URL module (and SciPy with
        # the reports) in commands that only print the link.
        return f"/r/{self.token}/"

    @property
    def revoke_undoable(self):
        return revoke_undoable(self.revoked_at)

    @property
    def is_active(self):
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()


def export_path(export, filename):
    # Never served from the media URL: downloads go through a view that checks access.
    return f"exports/{uuid.uuid4().hex}{filename[filename.rfind('.') :]}"


class ReportExport(models.Model):
    """A PDF summary or a raw-data file built in the background."""

    WORKSPACE_PATH = "study__workspace"

    class Kind(models.TextChoices):
        PDF = "pdf", "PDF summary"
        CSV = "csv", "Raw data as CSV (ZIP of one file per table)"
        JSON = "json", "Raw data as JSON"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        RUNNING = "running", "Building"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="report_exports")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    # The revision the report was filtered to; None means every revision.
    revision = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(100)])
    file = models.FileField(upload_to=export_path, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Asked for through a stakeholder's summary link: quotes only the comments the designer
    # pinned, as the link's page does.
    for_stakeholders = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="progress_percent")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.study}"

    @property
    def is_finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def extension(self):
        return {self.Kind.PDF: "pdf", self.Kind.CSV: "zip", self.Kind.JSON: "json"}[self.kind]


class Decision(models.Model):
    """What the team decided about a problem after looking at the evidence, and why."""

    WORKSPACE_PATH = "problem__workspace"

    class Outcome(models.TextChoices):
        GO = "go", "Go"
        NO_GO = "no_go", "No-go"
        ITERATE = "iterate", "Iterate"

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="decisions")
    study = models.ForeignKey(
        Study, on_delete=models.SET_NULL, null=True, blank=True, related_name="decisions"
    )
    decision = models.CharField(max_length=16, choices=Outcome.choices)
    rationale = models.TextField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_at", "-id"]

    def __str__(self):
        return f"{self.get_decision_display()} on {self.problem}"


def heatmap_path(heatmap, filename):
    return f"heatmaps/{uuid.uuid4().hex}.png"


class HeatmapImage(models.Model):
    """The click heatmap of one screen in one study, rebuilt when the clicks change.

    ``fingerprint`` names the click data the file was drawn from (count and highest event id),
    so a stale picture is recognised with one aggregate query. ``requested_fingerprint`` is the
    data a build was last asked for, so reloading the page does not queue the same build twice.
    """

    WORKSPACE_PATH = "study__workspace"

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="heatmaps")
    screen = models.ForeignKey(Screen, on_delete=models.CASCADE, related_name="+")
    fingerprint = models.CharField(max_length=64, blank=True)
    requested_fingerprint = models.CharField(max_length=64, blank=True)
    file = models.FileField(upload_to=heatmap_path, blank=True)
    built_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["study", "screen"], name="one_heatmap_per_screen")
        ]

    def __str__(self):
        return f"Heatmap of {self.screen} in {self.study}"


class SessionExclusion(models.Model):
    """A session the designer left out of the results (a speeder, a straight-liner), and why.

    Deleting the row puts the session back: nothing about the session itself is changed.
    """

    WORKSPACE_PATH = "session__study__workspace"

    session = models.OneToOneField(
        "prototypes.ParticipantSession", on_delete=models.CASCADE, related_name="exclusion"
    )
    reason = models.CharField(max_length=500)
    excluded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    excluded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["excluded_at", "id"]

    def __str__(self):
        return f"{self.session} excluded: {self.reason[:60]}"


class QuoteCuration(models.Model):
    """The designer's say over one participant comment as a quote in the study's summary.

    A pinned comment is quoted first and is the only kind a stakeholder link shows; a hidden
    one is never quoted. Deleting the row lets the summary choose again.
    """

    WORKSPACE_PATH = "comment__session__study__workspace"

    class Choice(models.TextChoices):
        PINNED = "pinned", "Pinned"
        HIDDEN = "hidden", "Hidden"

    comment = models.OneToOneField(
        "prototypes.Comment", on_delete=models.CASCADE, related_name="curation"
    )
    choice = models.CharField(max_length=8, choices=Choice.choices)
    curated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    curated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.get_choice_display()}: {self.comment}"
