"""Think-aloud audio: one Recording per session that recorded, made of AudioChunk rows.

The browser's MediaRecorder hands over a chunk every few seconds; each is uploaded on its own
and stored as one file on the media storage. A recorder's chunks concatenate into one playable
stream (the first holds the container's header), so a chunk is placed by the recorder it came
from (`segment`) and its position in it (`index`). A reload of the player starts a new recorder,
hence a new segment. The pair is unique: a chunk sent twice is stored once.
"""

from django.db import models


class Recording(models.Model):
    """The think-aloud audio of one participant's session (absent when they recorded nothing)."""

    WORKSPACE_PATH = "session__study__workspace"

    session = models.OneToOneField(
        "prototypes.ParticipantSession", on_delete=models.CASCADE, related_name="recording"
    )
    # Running totals, kept under the recording's row lock, to enforce the per-session limit
    # without summing the chunks on every upload.
    chunk_count = models.PositiveIntegerField(default=0)
    total_bytes = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Recording of {self.session}"


def chunk_path(chunk, filename):
    # Never served from the media URL: audio goes through a view that checks access.
    return filename


class AudioChunk(models.Model):
    """A few seconds of one recorder's output, as the browser gave it (not playable alone)."""

    WORKSPACE_PATH = "recording__session__study__workspace"

    recording = models.ForeignKey(Recording, on_delete=models.CASCADE, related_name="chunks")
    # The recorder it came from: the session-clock millisecond at which that recorder started.
    segment = models.PositiveBigIntegerField()
    # Its position among its recorder's chunks, from 0 (the chunk with the container header).
    index = models.PositiveIntegerField()
    # Where the chunk starts and how long it lasts, in milliseconds on the session's event clock
    # (Event.t_ms: since the session started, by the participant's clock).
    offset_ms = models.PositiveBigIntegerField()
    duration_ms = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    # As the browser's MediaRecorder named it, e.g. "audio/webm;codecs=opus".
    mime_type = models.CharField(max_length=64)
    # A name on the default storage (local disk or S3) in the audio/ folder.
    file = models.FileField(upload_to=chunk_path, max_length=200)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recording", "segment", "index"]
        constraints = [
            models.UniqueConstraint(
                fields=["recording", "segment", "index"], name="one_audio_chunk_per_position"
            )
        ]

    def __str__(self):
        return f"Chunk {self.segment}/{self.index} of {self.recording}"
