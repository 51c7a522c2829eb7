"""What is made from a session's recording: its transcript, in timestamped segments, and the
clips a designer marks in it.

Both hang from the Recording, so whatever deletes a recording (participant erasure, the
retention purge: prototypes.audio.storage.erase_audio) deletes its transcript and clips with it.
Every time is in milliseconds on the session's event clock (`Event.t_ms`), like the chunks'.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from prototypes.audio.models import Recording

# A transcript line as the designer writes it: a few sentences, not an essay.
MAX_SEGMENT_CHARS = 2000
# A clip for a stakeholder is a moment, not the session.
MAX_CLIP_MS = 5 * 60 * 1000


def clock(ms):
    """A moment of the session as the replay's clock shows it: m:ss."""
    seconds = int(ms or 0) // 1000
    return f"{seconds // 60}:{seconds % 60:02d}"


class Transcript(models.Model):
    """The state of a recording's transcription; its text is in its segments."""

    WORKSPACE_PATH = "recording__session__study__workspace"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be transcribed"
        RUNNING = "running", "Being transcribed"
        DONE = "done", "Transcribed"
        FAILED = "failed", "Could not be transcribed"

    recording = models.OneToOneField(Recording, on_delete=models.CASCADE, related_name="transcript")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    engine = models.CharField(max_length=32, blank=True)
    # The audio it was made from (chunk count and bytes) and the audio last asked for: a chunk
    # arriving after the transcription makes them differ, and the transcript is made again.
    fingerprint = models.CharField(max_length=40, blank=True)
    requested_fingerprint = models.CharField(max_length=40, blank=True)
    audio_ms = models.PositiveBigIntegerField(default=0)
    # How long the engine took: with audio_ms, its real-time factor on this server.
    processing_ms = models.PositiveBigIntegerField(default=0)
    error = models.TextField(blank=True)
    requested_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Transcript of {self.recording}"

    @property
    def real_time_factor(self):
        return self.processing_ms / self.audio_ms if self.audio_ms else None


class TranscriptSegment(models.Model):
    """A line of a transcript: what was said between two moments of the session."""

    WORKSPACE_PATH = "transcript__recording__session__study__workspace"

    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="segments")
    start_ms = models.PositiveBigIntegerField()
    end_ms = models.PositiveBigIntegerField()
    text = models.TextField(max_length=MAX_SEGMENT_CHARS)
    # What the engine heard, kept when the designer corrects the line.
    heard = models.TextField(blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["transcript", "start_ms", "id"]
        indexes = [models.Index(fields=["transcript", "start_ms"])]

    def __str__(self):
        return self.text[:60]

    @property
    def is_edited(self):
        return self.edited_at is not None

    @property
    def start_clock(self):
        return clock(self.start_ms)


class AudioClip(models.Model):
    """A moment of a recording a designer marked, with a note; shown in the summary if placed."""

    WORKSPACE_PATH = "recording__session__study__workspace"

    recording = models.ForeignKey(Recording, on_delete=models.CASCADE, related_name="clips")
    start_ms = models.PositiveBigIntegerField()
    end_ms = models.PositiveBigIntegerField()
    note = models.CharField(max_length=300, blank=True)
    in_summary = models.BooleanField(
        default=False, help_text="Stakeholders hear it in the summary and through its links."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recording", "start_ms", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_ms__gt=models.F("start_ms")), name="clip_ends_after_start"
            )
        ]

    def __str__(self):
        return f"Clip {self.start_ms}-{self.end_ms} ms of {self.recording}"

    def clean(self):
        if self.start_ms is None or self.end_ms is None:
            return
        if self.end_ms <= self.start_ms:
            raise ValidationError({"end_ms": "The clip must end after it starts."})
        if self.end_ms - self.start_ms > MAX_CLIP_MS:
            raise ValidationError(
                {"end_ms": f"A clip lasts at most {MAX_CLIP_MS // 60000} minutes."}
            )

    @property
    def duration_ms(self):
        return self.end_ms - self.start_ms

    @property
    def start_clock(self):
        return clock(self.start_ms)

    @property
    def end_clock(self):
        return clock(self.end_ms)

    @property
    def seconds(self):
        return round(self.duration_ms / 1000, 1)
