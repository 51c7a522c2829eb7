"""Imports from Figma, and which Figma frame or layer each imported screen and hotspot is.

The links let a later import of the same file update the draft in place: a renamed frame
renames its screen, which keeps every hotspot; a connection changed in Figma changes its
hotspot; hotspots drawn by hand have no link and are never touched. Links belong to the
draft's rows only: publishing copies screens and hotspots, not their links.
"""

from django.conf import settings
from django.db import models

from prototypes.authoring.models import Hotspot, Prototype, Screen


class FigmaImport(models.Model):
    """One import of a Figma page into a prototype's draft. The token is not kept here."""

    WORKSPACE_PATH = "prototype__workspace"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to start"
        RUNNING = "running", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Stopped"

    class Step(models.TextChoices):
        READING = "reading", "Reading the file"
        RENDERING = "rendering", "Figma is rendering the frames"
        WAITING = "waiting", "Figma asked us to slow down"
        DOWNLOADING = "downloading", "Downloading and processing screens"
        LINKING = "linking", "Adding the prototype's connections as hotspots"

    class Scale(models.IntegerChoices):
        ONE = 1, "1× (as designed)"
        TWO = 2, "2× (sharp on phones; recommended)"
        THREE = 3, "3×"

    prototype = models.ForeignKey(Prototype, on_delete=models.CASCADE, related_name="figma_imports")
    file_key = models.CharField(max_length=128)
    node_id = models.CharField(max_length=200, blank=True)
    scale = models.PositiveSmallIntegerField(choices=Scale.choices, default=Scale.TWO)
    file_name = models.CharField(max_length=200, blank=True)
    page_name = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    step = models.CharField(max_length=16, choices=Step.choices, blank=True)
    # Written in short updates of their own while the import runs, for its status page.
    frames_total = models.PositiveIntegerField(default=0)
    frames_done = models.PositiveIntegerField(default=0)
    waiting_until = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    screens_added = models.PositiveIntegerField(default=0)
    screens_updated = models.PositiveIntegerField(default=0)
    screens_renamed = models.PositiveIntegerField(default=0)
    screens_failed = models.PositiveIntegerField(default=0)
    # Screens an earlier import made from frames that are no longer on the page: kept.
    screens_kept = models.PositiveIntegerField(default=0)
    hotspots_added = models.PositiveIntegerField(default=0)
    hotspots_updated = models.PositiveIntegerField(default=0)
    hotspots_removed = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.file_name or self.file_key

    @property
    def is_finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self):
        return round(100 * self.frames_done / self.frames_total) if self.frames_total else 0


class FigmaScreen(models.Model):
    """The Figma frame a draft screen was imported from."""

    screen = models.OneToOneField(Screen, on_delete=models.CASCADE, related_name="figma")
    file_key = models.CharField(max_length=128)
    node_id = models.CharField(max_length=200)

    def __str__(self):
        return f"{self.file_key} {self.node_id}"


class FigmaHotspot(models.Model):
    """The Figma layer whose prototype connection a draft hotspot was imported from."""

    hotspot = models.OneToOneField(Hotspot, on_delete=models.CASCADE, related_name="figma")
    node_id = models.CharField(max_length=200)

    def __str__(self):
        return self.node_id
