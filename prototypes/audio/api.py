"""The participant API's audio endpoint: one chunk of think-aloud audio per request.

`POST /api/sessions/<token>/audio?segment=S&index=I&offset_ms=O&duration_ms=D` with the chunk's
bytes as the body and MediaRecorder's MIME type as Content-Type (docs/audio.md). Guarded like the
events API (prototypes/player/api.py): the session's token is the only key, requests from
another site's pages are refused, and the endpoint is CSRF-exempt for the same reason. A chunk
already stored answers 200 with `"stored": false`, so the player may always send again.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from prototypes.audio import storage, transcripts
from prototypes.player.api import MAX_TOKEN_CHARS, Refused, error, participant_endpoint
from prototypes.player.ingestion import accepts_events
from prototypes.ratelimit import Limit
from prototypes.studies.models import Study
from prototypes.workspaces.access import public_view

# A chunk every few seconds while recording, and a backlog sent in a row after a network
# outage (the player sends them one at a time).
AUDIO_LIMIT = Limit("player-audio", requests=240, seconds=60)
QUERY_FIELDS = ("segment", "index", "offset_ms", "duration_ms")


@dataclass
class SessionRow:
    """What a chunk's upload reads of its session (what accepts_events needs) and study."""

    id: int
    state: str
    finished_at: datetime | None
    think_aloud: str


# A plain query, as the events API's (prototypes/player/ingestion.py): it runs for every chunk.
# No lock on the session: chunks lock their Recording, and must not wait for event batches.
SESSION_QUERY = """
    SELECT session.id, session.state, session.finished_at, study.think_aloud
    FROM prototypes_participantsession session
    JOIN prototypes_study study ON study.id = session.study_id
    WHERE session.token = %s
"""


def find_session(token):
    with connection.cursor() as cursor:
        cursor.execute(SESSION_QUERY, [token])
        row = cursor.fetchone()
    if row is None:
        return None
    session = SessionRow(*row)
    if session.finished_at is not None and timezone.is_naive(session.finished_at):
        # SQLite's datetimes come without their time zone, the database's.
        session.finished_at = timezone.make_aware(session.finished_at, connection.timezone)
    return session


def per_session(request, token):
    return AUDIO_LIMIT, token[:MAX_TOKEN_CHARS]


def read_chunk_body(request):
    """The body's bytes, or Refused (413) past the size of a chunk, before reading it all."""
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        length = 0
    if length > storage.MAX_CHUNK_BYTES:
        raise Refused(
            f"An audio chunk holds at most {storage.MAX_CHUNK_BYTES} bytes.",
            413,
            "chunk_too_large",
        )
    return request.body


def read_position(request):
    """segment, index, offset_ms and duration_ms from the query string, as whole numbers."""
    values = {}
    for name in QUERY_FIELDS:
        text = request.GET.get(name, "")
        if not text.isascii() or not text.isdigit() or len(text) > 15:
            raise Refused(f"{name} must be a whole number, 0 or more.", 400, name)
        values[name] = int(text)
    return values


@require_POST
@csrf_exempt
@public_view
@participant_endpoint(per_session)
def upload_chunk(request, token):
    """Store one chunk: 201 {"stored": true}, 200 {"stored": false} if it was already, or 4xx."""
    if len(token) > MAX_TOKEN_CHARS:
        return error("No such session.", 404)
    try:
        # One transaction from the session's read on, as the events API's: SQLite then waits
        # for a writer of another request rather than failing the read.
        with transaction.atomic():
            session = find_session(token)
            if session is None:
                return error("No such session.", 404)
            if session.think_aloud == Study.ThinkAloud.OFF:
                return error("This study does not record audio.", 403, code="not_recording")
            if not accepts_events(session):
                return error("This session is finished and takes no more audio.", 410)
            position = read_position(request)
            data = read_chunk_body(request)
            stored = storage.store_chunk(
                session, mime_type=request.headers.get("Content-Type", ""), data=data, **position
            )
    except Refused as refused:
        return refused.response()
    except storage.ChunkRefused as refused:
        return error(refused.message, refused.status, refused.code)
    if stored.stored:
        # A chunk sent after the session's end makes its transcript out of date.
        transcripts.chunk_stored(session)
    return JsonResponse(
        {"stored": stored.stored, "total_bytes": stored.total_bytes},
        status=201 if stored.stored else 200,
    )
