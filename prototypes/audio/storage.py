"""Storing think-aloud chunks once each, assembling them for playback, erasing them.

See the package's docstring (prototypes/audio/__init__.py) for the API other areas use.
"""

import re
import secrets
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

from prototypes.audio.models import AudioChunk, Recording

# Opus at the browser's default bit rate is some 4-8 KB a second; a chunk of a few seconds is far
# below this, which leaves room for a browser that records at a higher rate or longer chunks.
MAX_CHUNK_BYTES = 1_000_000
# About four hours at 32 kbit/s: more than any think-aloud session, bounded for the storage.
MAX_SESSION_BYTES = 60_000_000
# A chunk lasts a few seconds; a minute is far beyond any timeslice the player asks for.
MAX_CHUNK_MS = 60_000
# Sessions are resumable for a month (ingestion.MAX_T_MS).
MAX_OFFSET_MS = 31 * 24 * 3600 * 1000
MAX_INDEX = 1_000_000
# What MediaRecorder produces with Opus, in the two containers browsers offer.
MIME_TYPE = re.compile(r"^audio/(webm|ogg)(;\s*codecs=\"?opus\"?)?$")
# The first bytes of a recorder's first chunk: the container's signature.
SIGNATURES = {"webm": b"\x1a\x45\xdf\xa3", "ogg": b"OggS"}
EXTENSIONS = {"webm": "webm", "ogg": "ogg"}


class ChunkRefused(Exception):
    """A chunk the client must not send again as it is; `status` is the HTTP status to answer."""

    def __init__(self, message, status=400, code=None):
        super().__init__(message)
        self.message, self.status, self.code = message, status, code


@dataclass(frozen=True)
class StoredChunk:
    stored: bool  # False: the same (segment, index) was already stored, nothing was written
    total_bytes: int


def container_of(mime_type):
    """ "webm" or "ogg" for a MIME type MediaRecorder gives with Opus, or None."""
    match = MIME_TYPE.match((mime_type or "").strip().lower())
    return match.group(1) if match else None


def check_chunk(mime_type, data, index, offset_ms, duration_ms, segment):
    """Refuse (ChunkRefused) a chunk that is not what the player sends; its container."""
    container = container_of(mime_type)
    if container is None:
        raise ChunkRefused(
            "Audio must be Opus in WebM or Ogg (audio/webm or audio/ogg).", 415, "mime_type"
        )
    if not data:
        raise ChunkRefused("The chunk is empty.", 400, "empty")
    if len(data) > MAX_CHUNK_BYTES:
        raise ChunkRefused(
            f"An audio chunk holds at most {MAX_CHUNK_BYTES} bytes.", 413, "chunk_too_large"
        )
    for name, value, ceiling in (
        ("index", index, MAX_INDEX),
        ("segment", segment, MAX_OFFSET_MS),
        ("offset_ms", offset_ms, MAX_OFFSET_MS),
        ("duration_ms", duration_ms, MAX_CHUNK_MS),
    ):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= ceiling:
            raise ChunkRefused(f"{name} must be a whole number from 0 to {ceiling}.", 400, name)
    if offset_ms < segment:
        raise ChunkRefused("offset_ms cannot be before its segment started.", 400, "offset_ms")
    # Only a recorder's first chunk starts with the container's header; later ones continue it.
    if index == 0 and not data.startswith(SIGNATURES[container]):
        raise ChunkRefused(
            f"The first chunk of a recording is not {container.upper()} audio.", 415, "mime_type"
        )
    return container


def store_chunk(session, *, segment, index, offset_ms, duration_ms, mime_type, data):
    """Store one chunk of the session's audio, once: StoredChunk, or ChunkRefused.

    `session` is a ParticipantSession, or anything with its `id`. A chunk whose (segment,
    index) is stored already is not written again, whatever its bytes: the player resends a
    chunk until it hears an answer, so the first copy is the right one. Chunks of one session
    are serialised by a row lock on its Recording (SQLite: by its transactions, which begin
    IMMEDIATE), which keeps the per-session byte total exact and makes the check for a stored
    chunk and the insert one step.

    Plain SQL, three statements a chunk: this runs for every few seconds of every recording
    participant, and the ORM took longer to build these queries than the database to run them.
    """
    container = check_chunk(mime_type, data, index, offset_ms, duration_ms, segment)
    # No savepoint inside the upload's transaction: what fails here fails the upload.
    with transaction.atomic(savepoint=False):
        recording_id, total_bytes, has_chunk = _locked_recording(session.id, segment, index)
        if has_chunk:
            return StoredChunk(stored=False, total_bytes=total_bytes)
        full = total_bytes + len(data) > MAX_SESSION_BYTES
        if not full:
            _write(recording_id, segment, index, offset_ms, duration_ms, mime_type, data, container)
    # Refused once out of the transaction, which has nothing to undo.
    if full:
        raise ChunkRefused(
            f"This session has recorded its limit of {MAX_SESSION_BYTES // 1_000_000} MB "
            "of audio; the rest of the study runs without recording.",
            413,
            "session_full",
        )
    return StoredChunk(stored=True, total_bytes=total_bytes + len(data))


def _write(recording_id, segment, index, offset_ms, duration_ms, mime_type, data, container):
    """Write the chunk's file, then its row and the recording's totals (in the caller's
    transaction); the file goes again if the rows fail."""
    # One flat folder, as storage_sweep lists it; the random part makes names unguessable.
    name = default_storage.save(
        f"audio/{recording_id}-{segment}-{index}-{secrets.token_hex(16)}.{EXTENSIONS[container]}",
        ContentFile(data),
    )
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                INSERT_CHUNK,
                [
                    recording_id,
                    segment,
                    index,
                    offset_ms,
                    duration_ms,
                    len(data),
                    mime_type.strip()[:64],
                    name,
                    now,
                ],
            )
            cursor.execute(COUNT_CHUNK, [len(data), now, recording_id])
    except BaseException:
        # The row is not stored (the transaction rolls back): neither is the file.
        default_storage.delete(name)
        raise


LOCK_RECORDING = """
    SELECT recording.id, recording.total_bytes, EXISTS (
        SELECT 1 FROM prototypes_audiochunk chunk
        WHERE chunk.recording_id = recording.id AND chunk.segment = %s AND chunk."index" = %s
    )
    FROM prototypes_recording recording
    WHERE recording.session_id = %s
"""
INSERT_CHUNK = """
    INSERT INTO prototypes_audiochunk (
        recording_id, segment, "index", offset_ms, duration_ms, size, mime_type, file,
        received_at
    ) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
"""
COUNT_CHUNK = """
    UPDATE prototypes_recording
    SET chunk_count = chunk_count + 1, total_bytes = total_bytes + %s, updated_at = %s
    WHERE id = %s
"""


def _locked_recording(session_id, segment, index):
    """(id, total_bytes, whether (segment, index) is stored) of the session's Recording, created
    if need be and locked for the transaction. One query once it exists."""
    query = LOCK_RECORDING
    if connection.features.has_select_for_update_of:
        query += " FOR UPDATE OF recording"
    with connection.cursor() as cursor:
        cursor.execute(query, [segment, index, session_id])
        row = cursor.fetchone()
        if row is None:
            # Two first chunks at once: get_or_create makes one row, the other request waits
            # for it (the unique session) and finds it.
            Recording.objects.get_or_create(session_id=session_id)
            cursor.execute(query, [segment, index, session_id])
            row = cursor.fetchone()
    recording_id, total_bytes, has_chunk = row
    return recording_id, total_bytes, bool(has_chunk)


# Assembly.


@dataclass(frozen=True)
class Gap:
    """Time on the session clock with no audio, and why: "missing" (a chunk never arrived, or
    arrived without the header it needs) or "not_recorded" (between two recorders, e.g. while
    the page reloaded)."""

    start_ms: int
    end_ms: int
    reason: str
    # The chunk indexes missing, for "missing"; the segment they belong to.
    segment: int | None = None
    indexes: tuple[int, ...] = ()


@dataclass
class Segment:
    """One recorder's audio: its chunks concatenated in order, one playable stream."""

    segment: int
    mime_type: str
    start_ms: int  # on the session clock: where the stream's time 0 falls
    end_ms: int
    chunks: list[AudioChunk] = field(default_factory=list)

    @property
    def duration_ms(self):
        return self.end_ms - self.start_ms

    def read(self):
        """The stream's bytes (reads every chunk from the storage)."""
        parts = []
        for chunk in self.chunks:
            with default_storage.open(chunk.file.name, "rb") as source:
                parts.append(source.read())
        return b"".join(parts)


@dataclass
class Assembled:
    """A session's audio: playable segments in time order, and the gaps between and inside them."""

    segments: list[Segment]
    gaps: list[Gap]

    @property
    def mime_type(self):
        return self.segments[0].mime_type if self.segments else None

    @property
    def recorded_ms(self):
        return sum(segment.duration_ms for segment in self.segments)


def assembled_audio(session):
    """The session's audio as Assembled (segments that play, gaps reported), or None.

    A recorder's chunks are used from its first (the one with the header) up to its last stored
    one. A missing chunk inside a recorder is reported as a gap: the chunks after it are still
    played (a stream missing some bytes decodes on, its time stamps jump). A recorder whose first
    chunk is missing cannot be decoded at all: all of it is reported as a gap.
    """
    recording = Recording.objects.filter(session=session).first()
    if recording is None:
        return None
    chunks = list(recording.chunks.order_by("segment", "index"))
    by_segment = {}
    for chunk in chunks:
        by_segment.setdefault(chunk.segment, []).append(chunk)
    segments, gaps = [], []
    for number, members in by_segment.items():
        end_ms = max(chunk.offset_ms + chunk.duration_ms for chunk in members)
        if members[0].index != 0:
            gaps.append(
                Gap(
                    number,
                    end_ms,
                    "missing",
                    segment=number,
                    indexes=tuple(range(members[0].index)),
                )
            )
            continue
        segment = Segment(number, members[0].mime_type, members[0].offset_ms, end_ms, members)
        for before, after in zip(members, members[1:], strict=False):
            if after.index != before.index + 1:
                gaps.append(
                    Gap(
                        before.offset_ms + before.duration_ms,
                        after.offset_ms,
                        "missing",
                        segment=number,
                        indexes=tuple(range(before.index + 1, after.index)),
                    )
                )
        segments.append(segment)
    # Time some recorder covered, whether it plays or not; what lies between was not recorded.
    covered = sorted(
        [(segment.start_ms, segment.end_ms) for segment in segments]
        + [(gap.start_ms, gap.end_ms) for gap in gaps if gap.indexes[:1] == (0,)]
    )
    reach = None
    for start, end in covered:
        if reach is not None and start > reach:
            gaps.append(Gap(reach, start, "not_recorded"))
        reach = end if reach is None else max(reach, end)
    gaps.sort(key=lambda gap: (gap.start_ms, gap.end_ms))
    return Assembled(segments=segments, gaps=gaps)


# Erasure.


def erase_audio(session_ids):
    """Delete the recordings of these sessions: rows now, files once the transaction commits.

    Returns how many chunks were deleted. Called by participant erasure and the retention purge
    (prototypes/recruitment/privacy.py), inside their transaction: if it rolls back, the files
    stay with their rows.
    """
    chunks = AudioChunk.objects.filter(recording__session_id__in=list(session_ids))
    names = list(chunks.values_list("file", flat=True))
    Recording.objects.filter(session_id__in=list(session_ids)).delete()

    def delete_files():
        for name in names:
            default_storage.delete(name)

    transaction.on_commit(delete_files)
    return len(names)
