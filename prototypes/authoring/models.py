import uuid

from django.conf import settings
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone

from prototypes.workspaces.models import Workspace


class Device(models.TextChoices):
    PHONE = "phone", "Phone (9:19.5)"
    TABLET = "tablet", "Tablet (3:4)"
    DESKTOP = "desktop", "Desktop (16:10)"


# Width over height of each device frame; the player letterboxes screens to it.
DEVICE_ASPECT = {Device.PHONE: 390 / 844, Device.TABLET: 3 / 4, Device.DESKTOP: 16 / 10}


class Prototype(models.Model):
    class Kind(models.TextChoices):
        PAPER = "paper", "Paper screens"
        SCRIPTED = "scripted", "Scripted flow"
        TREE = "tree", "Navigation tree (for tree tests)"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="prototypes")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.PAPER)
    device = models.CharField(max_length=16, choices=Device.choices, default=Device.PHONE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "id"]

    def __str__(self):
        return self.name

    @property
    def aspect_ratio(self):
        return DEVICE_ASPECT[self.device]

    @property
    def draft(self):
        """The one editable version; created on first access."""
        version, _ = self.versions.get_or_create(number=0)
        return version

    def published_versions(self):
        return self.versions.filter(number__gt=0).order_by("-number")


class PrototypeVersion(models.Model):
    """Number 0 is the editable draft; published versions (1, 2, …) are frozen copies."""

    WORKSPACE_PATH = "prototype__workspace"

    prototype = models.ForeignKey(Prototype, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    script = models.TextField(blank=True)
    note = models.CharField(max_length=200, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prototype", "number"], name="one_version_number")
        ]
        ordering = ["prototype", "number"]

    def __str__(self):
        return f"{self.prototype} — {self.label}"

    @property
    def label(self):
        return "draft" if self.is_draft else f"v{self.number}"

    @property
    def is_draft(self):
        return self.number == 0

    @property
    def workspace(self):
        return self.prototype.workspace

    def start_screen(self):
        return self.screens.order_by("position", "id").first()

    @transaction.atomic
    def publish(self, user=None, note=""):
        """Freeze a copy of this draft as the next numbered version and return it."""
        if not self.is_draft:
            raise ValueError("Only the draft can be published.")
        prototype = Prototype.objects.select_for_update().get(pk=self.prototype_id)
        last = prototype.versions.aggregate(last=Max("number"))["last"] or 0
        frozen = PrototypeVersion.objects.create(
            prototype=prototype,
            number=last + 1,
            script=self.script,
            note=note,
            published_at=timezone.now(),
            published_by=user,
        )
        copies = copy_into(self.screens.all(), frozen)
        shared_sets = copy_into(self.shared_sets.all(), frozen)
        hotspots = []
        for hotspot in Hotspot.objects.filter(screen__version=self):
            hotspot.pk = None
            hotspot.screen = copies[hotspot.screen_id]
            if hotspot.target_id:
                hotspot.target = copies[hotspot.target_id]
            if hotspot.shared_set_id:
                hotspot.shared_set = shared_sets[hotspot.shared_set_id]
            hotspots.append(hotspot)
        Hotspot.objects.bulk_create(hotspots)
        return frozen


def copy_into(rows, version):
    """Save a copy of each row (a screen, a shared set) in `version`; return {old pk: copy}."""
    copies = {}
    for row in rows:
        old_pk = row.pk
        row.pk = None
        row.version = version
        row.save()
        copies[old_pk] = row
    return copies


def screen_upload_path(screen, filename):
    # The original is kept only to reprocess; it is never served, and its name is generated.
    return f"uploads/{uuid.uuid4().hex}"


def rendition_path(screen, filename):
    return f"screens/{uuid.uuid4().hex}{filename[filename.rfind('.') :] if '.' in filename else ''}"


class Screen(models.Model):
    WORKSPACE_PATH = "version__prototype__workspace"

    class Status(models.TextChoices):
        PROCESSING = "processing", "Processing"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    version = models.ForeignKey(PrototypeVersion, on_delete=models.CASCADE, related_name="screens")
    # Stable across versions, so a screen can be followed from draft to frozen copies.
    key = models.UUIDField(default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=120)
    position = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PROCESSING)
    failure_reason = models.CharField(max_length=300, blank=True)
    clean_paper = models.BooleanField(default=False)
    upload = models.FileField(upload_to=screen_upload_path, blank=True)
    page_number = models.PositiveIntegerField(default=1)
    image = models.FileField(upload_to=rendition_path, blank=True)
    thumbnail = models.FileField(upload_to=rendition_path, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    # For scripted prototypes: the step this screen stands for.
    step = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["version", "position", "id"]
        indexes = [models.Index(fields=["version", "position"])]

    def __str__(self):
        return self.name

    @property
    def is_ready(self):
        return self.status == self.Status.READY


class SharedHotspotSet(models.Model):
    """Hotspots drawn once and placed on several screens of a version, such as a tab bar.

    Each screen it is placed on holds ordinary copies of its hotspots (`Hotspot.shared_set`),
    so the player, events, ingestion and reports see plain hotspots, and a published version
    freezes them like any other; the editor changes every copy of a shared hotspot at once
    (`prototypes.authoring.shared`).
    """

    WORKSPACE_PATH = "version__prototype__workspace"

    version = models.ForeignKey(
        PrototypeVersion, on_delete=models.CASCADE, related_name="shared_sets"
    )
    name = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["version", "name", "id"]

    def __str__(self):
        return self.name


class Hotspot(models.Model):
    WORKSPACE_PATH = "screen__version__prototype__workspace"

    class Action(models.TextChoices):
        GO_TO = "goto", "Go to screen"
        BACK = "back", "Go back"
        END = "end", "End the flow"

    screen = models.ForeignKey(Screen, on_delete=models.CASCADE, related_name="hotspots")
    label = models.CharField(max_length=120)
    # Fractions of the image, so hotspots survive a replaced or resized image.
    x = models.FloatField()
    y = models.FloatField()
    width = models.FloatField()
    height = models.FloatField()
    action = models.CharField(max_length=8, choices=Action.choices, default=Action.GO_TO)
    target = models.ForeignKey(
        Screen, on_delete=models.SET_NULL, null=True, blank=True, related_name="incoming_hotspots"
    )
    position = models.PositiveIntegerField(default=0)
    # Copies of one shared hotspot (one per screen of the set) have the same key.
    shared_set = models.ForeignKey(
        SharedHotspotSet,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="hotspots",
    )
    shared_key = models.UUIDField(null=True, blank=True)

    class Meta:
        ordering = ["screen", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(x__gte=0, y__gte=0, width__gt=0, height__gt=0)
                & models.Q(x__lte=1, y__lte=1, width__lte=1, height__lte=1),
                name="hotspot_inside_screen",
            )
        ]

    def __str__(self):
        return self.label
