"""Transcripts of think-aloud recordings: made by a background job, searched, corrected.

A transcript is asked for when a session with a recording finishes (`session_finished`, called
by the player's ingestion) and again whenever the audio it was made from has grown since (a
chunk uploaded after the session's last event, say): `request_transcript` compares the
recording's fingerprint, its chunk count and bytes, with the one last asked for. The job
(`transcribe_recording_job`) is recorded with the request and sent to Celery after the commit
(prototypes/jobs.py). When jobs run in the process (no broker), nothing is sent as the
participant finishes, which would make their last request wait for the engine: the replay page
asks for the transcript when a designer opens it (`transcript_state`), in the request of its
transcript panel.

The segments' times are on the session's event clock: an assembled segment of audio starts at
`segment.start_ms` on that clock, and the engine's times count from the start of that audio.
"""

import logging
import time

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import ValidationError
from django.db import OperationalError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from prototypes.audio import transcription
from prototypes.audio.models import Recording
from prototypes.audio.storage import assembled_audio
from prototypes.audio.transcript_models import (
    MAX_SEGMENT_CHARS,
    AudioClip,
    Transcript,
    TranscriptSegment,
)
from prototypes.jobs import BACKOFF_RETRIES, JobTask, enqueue, runs_in_process
from prototypes.sessions.models import ParticipantSession

logger = logging.getLogger(__name__)

# An hour of audio at PocketSphinx's real-time factor on a slow core (about 0.5) fits in this;
# the broker's visibility timeout (CELERY_VISIBILITY_TIMEOUT, 3600 s) must stay above it.
TIME_LIMIT = 2400
SOFT_TIME_LIMIT = 2300
# Search results shown at once; the page says when there are more.
SEARCH_LIMIT = 100
SEARCH_MIN_CHARS = 2


def fingerprint(recording):
    return f"{recording.chunk_count}-{recording.total_bytes}"


def request_transcript(recording):
    """Ask for a transcript of the recording's current audio, once: the Transcript, or None
    when transcription is off or the recording has no chunk yet."""
    if transcription.engine_name() == "none" or not recording.chunk_count:
        return None
    wanted = fingerprint(recording)
    with transaction.atomic():
        transcript, _ = Transcript.objects.get_or_create(recording=recording)
        asked = (
            Transcript.objects.filter(pk=transcript.pk)
            .exclude(requested_fingerprint=wanted)
            .update(
                requested_fingerprint=wanted,
                status=Transcript.Status.PENDING,
                requested_at=timezone.now(),
            )
        )
        if asked:
            enqueue(transcribe_recording_job, recording.pk)
    return transcript


def transcribe_again(recording):
    """Ask once more for a transcript of the same audio (after a failure)."""
    Transcript.objects.filter(recording=recording).update(requested_fingerprint="")
    return request_transcript(recording)


def session_finished(session_id):
    """The player's ingestion saw the session end: transcribe its recording, if any."""
    if runs_in_process():
        return
    recording = Recording.objects.filter(session_id=session_id).first()
    if recording is not None:
        request_transcript(recording)


def chunk_stored(session):
    """A chunk arrived for `session` (anything with its `id` and `state`): if the session has
    finished already, its transcript is out of date."""
    if session.state == ParticipantSession.State.ACTIVE or runs_in_process():
        return
    recording = Recording.objects.filter(session_id=session.id).first()
    if recording is not None:
        request_transcript(recording)


def transcript_state(session, work_here=True):
    """The session's transcript for the replay, asked for if missing or stale; None when the
    session recorded nothing or transcription is off.

    With jobs run in the process, asking runs the transcription in this request. The replay
    page passes work_here=False so that it shows at once: it then gets a transcript marked
    pending (not saved) and polls the panel, whose request does the work.
    """
    recording = Recording.objects.filter(session=session).first()
    if recording is None or transcription.engine_name() == "none":
        return None
    transcript = Transcript.objects.filter(recording=recording).first()
    if transcript is not None and transcript.requested_fingerprint == fingerprint(recording):
        return transcript
    if not work_here and runs_in_process():
        transcript = transcript or Transcript(recording=recording)
        transcript.status = Transcript.Status.PENDING
        return transcript
    transcript = request_transcript(recording)
    if transcript is not None:
        transcript.refresh_from_db()
    return transcript


@shared_task(
    base=JobTask,
    bind=True,
    name="prototypes.audio.transcribe_recording",
    autoretry_for=(OperationalError,),
    time_limit=TIME_LIMIT,
    soft_time_limit=SOFT_TIME_LIMIT,
    **BACKOFF_RETRIES,
)
def transcribe_recording_job(self, recording_id, job_id=None):
    """Transcribe a recording's audio, unless its transcript already covers this audio."""
    recording = Recording.objects.select_related("session").filter(pk=recording_id).first()
    if recording is None:
        return "gone"
    wanted = fingerprint(recording)
    transcript, _ = Transcript.objects.get_or_create(recording=recording)
    if transcript.fingerprint == wanted and transcript.status == Transcript.Status.DONE:
        return "up to date"
    Transcript.objects.filter(pk=transcript.pk).update(status=Transcript.Status.RUNNING)
    started = time.monotonic()
    try:
        engine = transcription.get_engine()
        if engine is None:
            raise transcription.TranscriptionError(
                "Transcription is turned off (TRANSCRIPTION_ENGINE=none)."
            )
        segments, audio_ms = transcribe_session_audio(recording.session, engine)
    except SoftTimeLimitExceeded:
        return fail(transcript, "The recording is too long to transcribe within the time limit.")
    except transcription.TranscriptionError as error:
        return fail(transcript, str(error))
    except OperationalError:
        raise  # retried: the database was busy
    except Exception:
        fail(transcript, "The transcription stopped on an error (the server log has its cause).")
        raise
    save_transcript(
        transcript,
        segments,
        wanted,
        engine=engine.name,
        audio_ms=audio_ms,
        processing_ms=round((time.monotonic() - started) * 1000),
    )
    return f"{len(segments)} segments"


def transcribe_session_audio(session, engine):
    """(segments on the session clock, audio length in ms) of every playable segment."""
    assembled = assembled_audio(session)
    found, audio_ms = [], 0
    for part in assembled.segments if assembled else []:
        heard, length = transcription.transcribe_recording(part.read(), engine)
        audio_ms += length
        found.extend(
            transcription.Segment(
                part.start_ms + segment.start_ms, part.start_ms + segment.end_ms, segment.text
            )
            for segment in heard
        )
    return found, audio_ms


def fail(transcript, message):
    logger.warning("Transcript %s failed: %s", transcript.pk, message)
    Transcript.objects.filter(pk=transcript.pk).update(
        status=Transcript.Status.FAILED, error=message[:1000], finished_at=timezone.now()
    )
    return "failed"


def save_transcript(transcript, segments, wanted, *, engine, audio_ms, processing_ms):
    """Replace the engine's lines with new ones; lines a designer corrected are kept, and new
    lines that overlap them are left out."""
    with transaction.atomic():
        locked = Transcript.objects.select_for_update().get(pk=transcript.pk)
        latest = fingerprint(Recording.objects.get(pk=locked.recording_id))
        if locked.fingerprint == latest != wanted:
            # A later job, run on more of the audio, finished first: its lines stay.
            return
        edited = list(
            locked.segments.filter(edited_at__isnull=False).values_list("start_ms", "end_ms")
        )
        locked.segments.filter(edited_at__isnull=True).delete()
        TranscriptSegment.objects.bulk_create(
            TranscriptSegment(
                transcript=locked,
                start_ms=segment.start_ms,
                end_ms=segment.end_ms,
                text=segment.text[:MAX_SEGMENT_CHARS],
                heard=segment.text,
            )
            for segment in segments
            if not any(segment.start_ms < end and start < segment.end_ms for start, end in edited)
        )
        locked.fingerprint = wanted
        # A newer request (more audio arrived meanwhile) has its own job: still pending.
        if locked.requested_fingerprint in ("", wanted):
            locked.status = Transcript.Status.DONE
        locked.engine = engine
        locked.audio_ms = audio_ms
        locked.processing_ms = processing_ms
        locked.error = ""
        locked.finished_at = timezone.now()
        locked.save()


# What designers do with transcripts.


def clean_segment_text(text):
    """The corrected text of a line, or ValidationError with what is wrong."""
    text = " ".join((text or "").split())
    if not text:
        raise ValidationError("Write what was said, or leave the line as it was.")
    if len(text) > MAX_SEGMENT_CHARS:
        raise ValidationError(f"A line holds at most {MAX_SEGMENT_CHARS} characters.")
    return text


def edit_segment(segment, text, user):
    """Correct a line of the transcript (ValidationError if the text is not acceptable)."""
    segment.text = clean_segment_text(text)
    segment.edited_by = user
    segment.edited_at = timezone.now()
    segment.save(update_fields=["text", "edited_by", "edited_at"])
    return segment


def session_segments(session):
    return list(
        TranscriptSegment.objects.filter(transcript__recording__session=session).order_by(
            "start_ms", "id"
        )
    )


def search(study, query):
    """Lines of the study's transcripts that contain `query` (any case), with their session:
    (up to SEARCH_LIMIT segments, whether there are more). One query, whatever the study."""
    query = " ".join((query or "").split())
    if len(query) < SEARCH_MIN_CHARS:
        return [], False
    rows = list(
        TranscriptSegment.objects.filter(
            transcript__recording__session__study=study, text__icontains=query
        )
        .select_related("transcript__recording__session")
        .order_by("transcript__recording__session__started_at", "start_ms", "id")[
            : SEARCH_LIMIT + 1
        ]
    )
    return rows[:SEARCH_LIMIT], len(rows) > SEARCH_LIMIT


def study_recordings(study):
    """Every recording of the study with its transcript's state and line count: one query."""
    return list(
        Recording.objects.filter(session__study=study)
        .select_related("session", "transcript")
        .annotate(lines=Count("transcript__segments"))
        .order_by("session__started_at", "id")
    )


def transcript_tables(sessions):
    """The raw-data export's tables of what was said: (name, columns, rows). Never a link to the
    audio itself: an export outlives any link it could hold."""
    in_sessions = Q(transcript__recording__session__in=sessions)
    return [
        (
            "transcript_segments",
            ("id", "session", "start_ms", "end_ms", "text", "heard", "edited_at", "engine"),
            TranscriptSegment.objects.filter(in_sessions)
            .order_by("transcript__recording__session_id", "start_ms", "id")
            .values_list(
                "id",
                "transcript__recording__session_id",
                "start_ms",
                "end_ms",
                "text",
                "heard",
                "edited_at",
                "transcript__engine",
            ),
        ),
        (
            "audio_clips",
            ("id", "session", "start_ms", "end_ms", "note", "in_summary"),
            AudioClip.objects.filter(recording__session__in=sessions)
            .order_by("recording__session_id", "start_ms", "id")
            .values_list("id", "recording__session_id", "start_ms", "end_ms", "note", "in_summary"),
        ),
    ]
