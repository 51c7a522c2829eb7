"""What participants' sessions recorded: sessions, events, task attempts, answers, comments.

Every layer above reads these records, so they import none of them: the studies, tasks,
questions and screens they point at are named by string, resolved by Django when all models
are loaded.
"""

from django.db import models

from prototypes.tokens import new_token


class ParticipantSession(models.Model):
    """One participant's run through a study, reached only through its unguessable token."""

    WORKSPACE_PATH = "study__workspace"

    class State(models.TextChoices):
        ACTIVE = "active", "In progress"
        COMPLETED = "completed", "Completed"
        ABANDONED = "abandoned", "Abandoned"
        SCREENED_OUT = "screened_out", "Screened out"

    study = models.ForeignKey("prototypes.Study", on_delete=models.CASCADE, related_name="sessions")
    share_link = models.ForeignKey(
        "prototypes.ShareLink",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sessions",
    )
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    revision = models.PositiveIntegerField(default=1)
    state = models.CharField(max_length=16, choices=State.choices, default=State.ACTIVE)
    language = models.CharField(max_length=8, default="en")
    consent_version = models.PositiveIntegerField()
    consented_at = models.DateTimeField()
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    external_participant_id = models.CharField(max_length=128, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    is_simulated = models.BooleanField(default=False)
    # Events the participant's browser had to throw away because its queue was full, as the
    # browser last reported it (a running total, so a batch sent twice does not count twice).
    dropped_events = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["study", "state"])]

    def __str__(self):
        return f"Session {self.pk} of {self.study}"

    @property
    def is_open(self):
        return self.state == self.State.ACTIVE


class TaskAttempt(models.Model):
    """A session's attempt at one task, derived from its events."""

    WORKSPACE_PATH = "session__study__workspace"

    class Outcome(models.TextChoices):
        DIRECT = "direct", "Direct success"
        INDIRECT = "indirect", "Indirect success"
        GAVE_UP = "gave_up", "Gave up"
        TIMED_OUT = "timed_out", "Timed out"
        ABANDONED = "abandoned", "Abandoned"

    session = models.ForeignKey(
        ParticipantSession, on_delete=models.CASCADE, related_name="attempts"
    )
    task = models.ForeignKey("prototypes.Task", on_delete=models.CASCADE, related_name="attempts")
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    started_ms = models.PositiveBigIntegerField()
    ended_ms = models.PositiveBigIntegerField(null=True, blank=True)
    clicks = models.PositiveIntegerField(default=0)
    misclicks = models.PositiveIntegerField(default=0)
    path = models.JSONField(default=list, blank=True)
    first_click_success = models.BooleanField(null=True, blank=True)
    seq = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["session", "task__position"]
        constraints = [
            models.UniqueConstraint(fields=["session", "task"], name="one_attempt_per_task")
        ]

    def __str__(self):
        return f"{self.session} — {self.task}: {self.outcome or 'in progress'}"

    @property
    def seconds(self):
        if self.ended_ms is None:
            return None
        return (self.ended_ms - self.started_ms) / 1000

    @property
    def succeeded(self):
        return self.outcome in (self.Outcome.DIRECT, self.Outcome.INDIRECT)


class Event(models.Model):
    """One thing a participant did, stored once per client-generated UUID."""

    WORKSPACE_PATH = "session__study__workspace"

    class Type(models.TextChoices):
        TASK_START = "task_start", "Task started"
        TASK_END = "task_end", "Task ended"
        CLICK = "click", "Hotspot click"
        MISCLICK = "misclick", "Misclick"
        NAVIGATE = "navigate", "Screen shown"
        ANSWER = "answer", "Answer"
        COMMENT = "comment", "Comment"
        GIVE_UP = "give_up", "Gave up"
        TEXT = "text", "Typed answer"
        SESSION_END = "session_end", "Session finished"
        TREE_STEP = "tree_step", "Tree label shown"
        CARD_PLACE = "card_place", "Card placed"

    uuid = models.UUIDField(unique=True)
    # No index of its own: the (session, t_ms) and (session, type, …) indexes below begin with it,
    # and every index on this table is one more write per ingested event.
    session = models.ForeignKey(
        ParticipantSession, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    type = models.CharField(max_length=16, choices=Type.choices)
    # Milliseconds since the session started, by the participant's clock.
    t_ms = models.PositiveBigIntegerField()
    task = models.ForeignKey(
        "prototypes.Task", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # Indexed by (screen, type) below.
    screen = models.ForeignKey(
        "prototypes.Screen",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    hotspot = models.ForeignKey(
        "prototypes.Hotspot", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    x = models.FloatField(null=True, blank=True)
    y = models.FloatField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session", "t_ms", "id"]
        indexes = [
            models.Index(fields=["session", "t_ms"]),
            models.Index(fields=["screen", "type"]),
            # The report's event queries (time on screens, misclicks, first clicks) read one kind
            # of event of a study's sessions: answered from this index alone (no table pages),
            # in the order the time on screens is computed, however many other studies' events
            # the table holds (docs/deploy.md, "The events table").
            models.Index(
                fields=["session", "type", "task", "t_ms", "id"],
                include=["screen"],
                name="event_session_type_cover",
            ),
        ]

    def __str__(self):
        return f"{self.type} at {self.t_ms} ms"


class Answer(models.Model):
    WORKSPACE_PATH = "session__study__workspace"

    session = models.ForeignKey(
        ParticipantSession, on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(
        "prototypes.Question", on_delete=models.CASCADE, related_name="answers"
    )
    value = models.JSONField()
    answered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "question"], name="one_answer_per_question")
        ]

    def __str__(self):
        return f"Answer to {self.question}"


class Comment(models.Model):
    """A pin a participant dropped on a screen, with what they wrote."""

    WORKSPACE_PATH = "session__study__workspace"

    session = models.ForeignKey(
        ParticipantSession, on_delete=models.CASCADE, related_name="comments"
    )
    event = models.OneToOneField(Event, on_delete=models.CASCADE, null=True, related_name="+")
    task = models.ForeignKey(
        "prototypes.Task", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    screen = models.ForeignKey(
        "prototypes.Screen", on_delete=models.CASCADE, related_name="comments"
    )
    x = models.FloatField()
    y = models.FloatField()
    text = models.TextField(max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return self.text[:60]
