from django.conf import settings
from django.db import models
from django.utils.translation import gettext_noop

from prototypes.authoring.models import PrototypeVersion, Screen
from prototypes.friction.models import Theme
from prototypes.tokens import new_token, revoke_undoable
from prototypes.workspaces.models import Workspace


class Problem(models.Model):
    """The customer friction a concept is meant to remove; studies and decisions hang off it."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="problems")
    title = models.CharField(max_length=200)
    who = models.TextField("Who has the friction")
    what = models.TextField("What the friction is")
    evidence = models.TextField(
        "Evidence", blank=True, help_text="Quotes, support tickets, numbers."
    )
    # The friction theme it was promoted from: its evidence, and whether it shrank.
    theme = models.ForeignKey(
        Theme, on_delete=models.SET_NULL, null=True, blank=True, related_name="problems"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.title


class Study(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        LIVE = "live", "Live"
        PAUSED = "paused", "Paused"
        CLOSED = "closed", "Closed"

    class Language(models.TextChoices):
        ENGLISH = "en", "English"
        FRENCH = "fr", "Français"

    class ThinkAloud(models.TextChoices):
        OFF = "off", "Off"
        OPTIONAL = "optional", "Ask; participants may decline and still take part"
        REQUIRED = "required", "Required: only participants who agree to be recorded take part"

    # Translated into the participants' language by studies.language while left unchanged.
    DEFAULT_CONSENT = gettext_noop(
        "I agree that my clicks, answers and comments in this test are recorded and used, "
        "without my name, to improve this product."
    )

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="studies")
    problem = models.ForeignKey(Problem, on_delete=models.PROTECT, related_name="studies")
    prototype_version = models.ForeignKey(
        PrototypeVersion, on_delete=models.PROTECT, related_name="studies"
    )
    title = models.CharField(max_length=200)
    hypothesis = models.TextField(blank=True)
    consent_text = models.TextField(default=DEFAULT_CONSENT)
    consent_version = models.PositiveIntegerField(default=1)
    target_participants = models.PositiveIntegerField(default=20)
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.ENGLISH)
    state = models.CharField(max_length=16, choices=State.choices, default=State.DRAFT)
    # Raised when tasks, goals or criteria change after participants have started.
    revision = models.PositiveIntegerField(default=1)
    confidence = models.FloatField(default=0.90)
    show_hotspots_after_misclick = models.BooleanField(default=False)
    # Whether the player asks participants to think aloud and records their voice (docs/audio.md).
    think_aloud = models.CharField(
        max_length=16,
        choices=ThinkAloud.choices,
        default=ThinkAloud.OFF,
        verbose_name="Ask participants to think aloud",
    )
    completion_code = models.CharField(max_length=64, blank=True)
    redirect_url = models.URLField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    went_live_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "studies"

    def __str__(self):
        return self.title

    @property
    def is_accepting(self):
        return self.state == self.State.LIVE


class ShareLink(models.Model):
    """An unguessable, revocable link participants open; one per recruiting channel."""

    WORKSPACE_PATH = "study__workspace"

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="share_links")
    name = models.CharField(max_length=80, default="Default link")
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    quota = models.PositiveIntegerField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.study}: {self.name}"

    def get_absolute_url(self):
        # The participant player serves this path; spelt out here so that nothing on the
        # designer side depends on the player's URL conf being loaded first.
        return f"/s/{self.token}/"

    @property
    def revoke_undoable(self):
        return revoke_undoable(self.revoked_at)


class Task(models.Model):
    WORKSPACE_PATH = "study__workspace"

    class Kind(models.TextChoices):
        CLICKTHROUGH = "clickthrough", "Click-through: reach a goal screen"
        FIRST_CLICK = "first_click", "First click: where would you click?"
        FIVE_SECOND = "five_second", "Five-second test: what do you remember?"
        PREFERENCE = "preference", "Preference test: which would you rather use?"
        TREE_TEST = "tree_test", "Tree test: where would you find it?"
        CARD_SORT = "card_sort", "Card sort: how would you group these?"

    class SortMode(models.TextChoices):
        OPEN = "open", "Open: participants name their own groups"
        CLOSED = "closed", "Closed: participants use your categories"
        HYBRID = "hybrid", "Hybrid: your categories, and new groups if they wish"

    DEFAULT_EXPOSURE_SECONDS = 5

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="tasks")
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.CLICKTHROUGH)
    instruction = models.TextField()
    # Tree tests and card sorts show no screen.
    start_screen = models.ForeignKey(
        Screen, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    goal_screens = models.ManyToManyField(Screen, related_name="+")
    # First-click tests: the area a first click should land in, as fractions of the screen
    # (like hotspots, so the target survives a replaced or resized image).
    target_x = models.FloatField(null=True, blank=True)
    target_y = models.FloatField(null=True, blank=True)
    target_width = models.FloatField(null=True, blank=True)
    target_height = models.FloatField(null=True, blank=True)
    # Five-second tests: how long the screen is shown before the recall questions.
    exposure_seconds = models.PositiveSmallIntegerField(default=DEFAULT_EXPOSURE_SECONDS)
    # Preference tests: the screens shown side by side (the start screen is the first).
    options = models.ManyToManyField(Screen, related_name="+", blank=True)
    # Screen ids from start to goal; reaching a goal by exactly this path is a direct success.
    expected_path = models.JSONField(default=list, blank=True)
    # Tree tests: the labels where the answer is right (nodes of the study's tree version).
    correct_nodes = models.ManyToManyField("prototypes.TreeNode", related_name="+", blank=True)
    # Card sorts.
    sort_mode = models.CharField(max_length=8, choices=SortMode.choices, blank=True)
    allow_unsorted = models.BooleanField("Cards may be left unsorted", default=False)
    time_limit_seconds = models.PositiveIntegerField(null=True, blank=True)
    ask_seq = models.BooleanField("Ask the Single Ease Question afterwards", default=True)

    class Meta:
        ordering = ["study", "position", "id"]

    def __str__(self):
        return self.instruction[:60]

    @property
    def number(self):
        """The task's number as participants meet it (positions are kept 0, 1, 2, …)."""
        return self.position + 1

    @property
    def kind_name(self):
        """The kind in a few words, e.g. "Five-second test"."""
        return self.get_kind_display().split(":")[0]

    @property
    def is_clickthrough(self):
        return self.kind == self.Kind.CLICKTHROUGH

    @property
    def has_target(self):
        return None not in (self.target_x, self.target_y, self.target_width, self.target_height)

    def target_contains(self, x, y):
        """Whether the point (fractions of the screen) lies in the first-click target."""
        if not self.has_target or x is None or y is None:
            return False
        return (
            self.target_x <= x <= self.target_x + self.target_width
            and self.target_y <= y <= self.target_y + self.target_height
        )


class Question(models.Model):
    WORKSPACE_PATH = "study__workspace"

    class Kind(models.TextChoices):
        SUS = "sus", "System Usability Scale (10 items)"
        OPEN = "open", "Open text"
        SINGLE = "single", "Single choice"
        MULTIPLE = "multiple", "Multiple choice"
        RATING = "rating", "Rating scale"

    class Role(models.TextChoices):
        ASKED = "", "Asked by the designer"
        PREFERENCE = "preference", "Which option a preference test's participant chose"
        REASON = "reason", "Why they chose it"

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="questions")
    # Asked right after this task (recall questions of a five-second test, a preference
    # test's choice and reason) instead of at the end of the study.
    task = models.ForeignKey(
        "Task", on_delete=models.CASCADE, null=True, blank=True, related_name="questions"
    )
    # Questions a preference test asks for itself are kept in step with its options.
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.ASKED, blank=True)
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    text = models.TextField(blank=True)
    choices = models.JSONField(default=list, blank=True)
    scale_min = models.IntegerField(default=1)
    scale_max = models.IntegerField(default=5)
    required = models.BooleanField(default=True)

    class Meta:
        ordering = ["study", "position", "id"]

    def __str__(self):
        return self.text[:60] or self.get_kind_display()


class Criterion(models.Model):
    """A success criterion stated before the first participant, judged against an interval."""

    WORKSPACE_PATH = "study__workspace"

    class Metric(models.TextChoices):
        COMPLETION_RATE = "completion_rate", "Completion rate"
        FIRST_CLICK_RATE = "first_click_rate", "First click right"
        DIRECT_SUCCESS_RATE = "direct_success_rate", "Direct success rate"
        TIME_ON_TASK = "time_on_task", "Time on task (seconds)"
        MISCLICK_RATE = "misclick_rate", "Misclick rate"
        SEQ = "seq", "Single Ease Question (1–7)"
        SUS = "sus", "System Usability Scale (0–100)"
        ANSWER_SHARE = "answer_share", "Share choosing an answer"

    class Comparison(models.TextChoices):
        AT_LEAST = "at_least", "at least"
        AT_MOST = "at_most", "at most"

    TASK_METRICS = frozenset(
        {
            Metric.FIRST_CLICK_RATE,
            Metric.COMPLETION_RATE,
            Metric.DIRECT_SUCCESS_RATE,
            Metric.TIME_ON_TASK,
            Metric.MISCLICK_RATE,
            Metric.SEQ,
        }
    )
    # Stored as fractions from 0 to 1, entered and shown as percentages.
    RATE_METRICS = frozenset(
        {
            Metric.FIRST_CLICK_RATE,
            Metric.COMPLETION_RATE,
            Metric.DIRECT_SUCCESS_RATE,
            Metric.MISCLICK_RATE,
            Metric.ANSWER_SHARE,
        }
    )

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="criteria")
    metric = models.CharField(max_length=32, choices=Metric.choices)
    task = models.ForeignKey(Task, on_delete=models.CASCADE, null=True, blank=True)
    question = models.ForeignKey(Question, on_delete=models.CASCADE, null=True, blank=True)
    choice = models.CharField(max_length=200, blank=True)
    comparison = models.CharField(max_length=16, choices=Comparison.choices)
    threshold = models.FloatField()
    must_have = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["study", "position", "id"]
        verbose_name_plural = "criteria"

    def __str__(self):
        return (
            f"{self.get_metric_display()} {self.get_comparison_display()} {self.threshold_display}"
        )

    @property
    def needs_task(self):
        return self.metric in self.TASK_METRICS

    @property
    def is_rate(self):
        return self.metric in self.RATE_METRICS

    @property
    def threshold_display(self):
        if self.is_rate:
            return f"{round(self.threshold * 100, 4):g}%"
        if self.metric == self.Metric.TIME_ON_TASK:
            return f"{self.threshold:g} s"
        return f"{self.threshold:g}"

    def describe(self):
        """The criterion as one sentence, e.g. "Completion rate of task 1 at least 70%"."""
        if self.metric == self.Metric.ANSWER_SHARE:
            subject = f"Share answering “{self.choice}” to “{self.question}”"
        elif self.needs_task and self.task_id:
            subject = f"{self.get_metric_display()} of task {self.task.number}"
        else:
            subject = self.get_metric_display()
        return f"{subject} {self.get_comparison_display()} {self.threshold_display}"


class StudyChange(models.Model):
    """Audit trail of changes to a study after it went live, with the reason given."""

    WORKSPACE_PATH = "study__workspace"

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="changes")
    revision = models.PositiveIntegerField()
    summary = models.TextField()
    reason = models.TextField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at"]

    def __str__(self):
        return f"Revision {self.revision} of {self.study}"


class StudyConcept(models.Model):
    """One of several prototype versions a study compares (concept A/B testing).

    Each participant is assigned one concept at random, balanced over the study
    (`prototypes.studies.ab`); tasks find their screens in each concept's version by the
    screen's key, or else by its name.
    """

    WORKSPACE_PATH = "study__workspace"

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="concepts")
    version = models.ForeignKey(PrototypeVersion, on_delete=models.PROTECT, related_name="+")
    label = models.CharField(max_length=40)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["study", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["study", "version"], name="one_concept_per_version"),
            models.UniqueConstraint(fields=["study", "label"], name="concept_labels_differ"),
        ]

    def __str__(self):
        return self.label


class ConceptAssignment(models.Model):
    """The concept a participant's session shows; a returning participant keeps theirs."""

    WORKSPACE_PATH = "concept__study__workspace"

    session = models.OneToOneField(
        "prototypes.ParticipantSession", on_delete=models.CASCADE, related_name="concept_assignment"
    )
    concept = models.ForeignKey(StudyConcept, on_delete=models.PROTECT, related_name="assignments")
    # Who the participant is outside this session (a panel's participant id), so that coming
    # back through a new session shows them the same concept.
    participant_key = models.CharField(max_length=160, blank=True)
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["concept", "participant_key"])]

    def __str__(self):
        return f"{self.session} sees {self.concept}"
