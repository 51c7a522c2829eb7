"""The evidence inbox of a workspace and the friction themes it is grouped into."""

from django.conf import settings
from django.db import models

from prototypes.workspaces.models import Workspace


class EvidenceImport(models.Model):
    """A CSV export read and waiting for its column mapping to be confirmed, or imported."""

    class Status(models.TextChoices):
        STAGED = "staged", "Waiting for its columns to be checked"
        PENDING = "pending", "Waiting to start"
        RUNNING = "running", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Refused"

    class Step(models.TextChoices):
        READING = "reading", "Reading and masking rows"
        GROUPING = "grouping", "Grouping into themes"

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="evidence_imports"
    )
    filename = models.CharField(max_length=200)
    layout = models.CharField(max_length=32, blank=True)
    encoding = models.CharField(max_length=32)
    delimiter = models.CharField(max_length=4)
    columns = models.JSONField(default=list)
    preview = models.JSONField(default=list)
    mapping = models.JSONField(default=dict)
    row_count = models.PositiveIntegerField(default=0)
    # The file itself, unmasked, until it is imported (then emptied) or it expires.
    data = models.BinaryField(default=b"", editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.STAGED)
    step = models.CharField(max_length=16, choices=Step.choices, blank=True)
    # Written in short updates of their own while the import runs, for its status page.
    rows_read = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    imported_at = models.DateTimeField(null=True, blank=True)
    imported_count = models.PositiveIntegerField(default=0)
    folded_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    masked = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.filename

    @property
    def is_finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self):
        return round(100 * self.rows_read / self.row_count) if self.row_count else 0


class Theme(models.Model):
    """A friction many customers share, grouped from the inbox and shaped by the designer."""

    class Override(models.TextChoices):
        NONE = "", "Ranked by its score"
        TOP = "top", "Always in the top three"
        HIDDEN = "hidden", "Never in the top three"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="themes")
    name = models.CharField(max_length=200)
    named_by_designer = models.BooleanField(default=False)
    key_terms = models.JSONField(default=list)
    override = models.CharField(max_length=8, choices=Override.choices, blank=True, default="")
    # Figures kept up to date by services.refresh_themes after every change of its items.
    size = models.PositiveIntegerField(default=0)  # distinct items (duplicates folded)
    copies = models.PositiveIntegerField(default=0)  # all items, duplicates included
    score = models.FloatField(default=0)
    average_rating = models.FloatField(null=True, blank=True)
    trend = models.JSONField(default=list)  # [[month "YYYY-MM", items], ...]
    segments = models.JSONField(default=list)  # [[segment, items], ...]
    quotes = models.JSONField(default=list)  # ids of its most representative items
    outcomes = models.JSONField(default=dict)  # before/after figures once promoted
    promoted_at = models.DateTimeField(null=True, blank=True)
    # When the fix for this friction reached customers: outcomes compare before and after.
    shipped_on = models.DateField("The fix shipped on", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-score", "pk"]

    def __str__(self):
        return self.name


class Item(models.Model):
    """One ticket, review, survey answer or interview note, with personal data masked."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="evidence")
    evidence_import = models.ForeignKey(
        EvidenceImport, on_delete=models.SET_NULL, null=True, blank=True, related_name="items"
    )
    source = models.CharField(max_length=60)
    external_id = models.CharField(max_length=100, blank=True)
    text = models.TextField()
    happened_at = models.DateTimeField(null=True, blank=True)
    segment = models.CharField(max_length=100, blank=True)
    rating = models.FloatField(null=True, blank=True)
    link = models.URLField(max_length=500, blank=True)
    resolution_hours = models.FloatField(null=True, blank=True)
    satisfaction = models.FloatField(null=True, blank=True)
    contacts = models.PositiveIntegerField(null=True, blank=True)
    # A keyed digest of the customer's email, so that erasure can find their items.
    customer_digest = models.CharField(max_length=64, blank=True, db_index=True)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="duplicates"
    )
    theme = models.ForeignKey(
        Theme, on_delete=models.SET_NULL, null=True, blank=True, related_name="items"
    )
    # Placed by the designer (moved, merged, split): regrouping never moves it again.
    pinned = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-happened_at", "-pk"]
        indexes = [models.Index(fields=["workspace", "theme"])]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "source", "external_id"],
                condition=~models.Q(external_id=""),
                name="evidence_unique_external_id",
            )
        ]

    def __str__(self):
        return self.text[:60]
