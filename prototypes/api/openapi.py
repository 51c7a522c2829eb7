"""The OpenAPI 3.1 document of the whole public surface: the one source of its contract.

Enumerations come from the models' choices, so a new state or event type appears here by itself.

Served at /api/openapi.json, drawn as a page at /api/ and written out as docs/api.md
(`manage.py api_docs`), all three from `document()`. The tests check the document against the
OpenAPI 3.1 schema (openapi-spec-validator), check that every public API route is in it, and
run Schemathesis against a live server: whatever a view answers must match it.
"""

from copy import deepcopy
from functools import cache

from prototypes.api import participant_prose as prose
from prototypes.api.access import API_LIMIT, MAX_TOKEN_CHARS
from prototypes.api.views import DEFAULT_EVENTS_PER_PAGE, MAX_EVENTS_PER_PAGE, PER_PAGE
from prototypes.audio.api import AUDIO_LIMIT
from prototypes.audio.clips import CLIP_MIME_TYPE
from prototypes.audio.storage import MAX_CHUNK_BYTES, MAX_SESSION_BYTES
from prototypes.audio.transcript_views import SHARED_CLIP_PLAYS
from prototypes.authoring.models import Prototype
from prototypes.flowscript import MAX_ANSWER_CHARS
from prototypes.moderation.api import PARTICIPANT_LIMIT
from prototypes.moderation.models import Command, ModeratedSession, WizardTurn
from prototypes.player.api import EVENTS_LIMIT, SESSIONS_LIMIT
from prototypes.player.ingestion import MAX_BATCH_EVENTS
from prototypes.sessions.models import Event, ParticipantSession
from prototypes.studies.models import Question, Study, Task

JSON = "application/json"
HTML = "text/html"


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema):
    return {"anyOf": [schema, {"type": "null"}]}


def json_body(schema, description):
    return {"description": description, "content": {JSON: {"schema": schema}}}


def error(description):
    return json_body(ref("Error"), description)


def html(description):
    return {"description": description, "content": {HTML: {"schema": {"type": "string"}}}}


def too_many(description):
    response = error(description)
    response["headers"] = {"Retry-After": {"$ref": "#/components/headers/RetryAfter"}}
    return response


def path_token(description):
    return {
        "name": "token",
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string", "minLength": 1},
    }


def path_id(name, description):
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "integer", "minimum": 0},
    }


def page_of(item):
    return {
        "type": "object",
        "required": ["count", "page", "pages", "next", "previous", "results"],
        "properties": {
            "count": {"type": "integer", "minimum": 0, "description": "Items on every page."},
            "page": {"type": "integer", "minimum": 1},
            "pages": {"type": "integer", "minimum": 1},
            "next": nullable({"type": "string", "description": "The next page's URL."}),
            "previous": nullable({"type": "string", "description": "The previous page's URL."}),
            "results": {"type": "array", "items": ref(item)},
        },
    }


MEASURE = nullable(
    {
        "type": "object",
        "description": "A measure with its confidence interval; null when there is no data.",
        "required": ["value", "low", "high", "n"],
        "properties": {
            "value": {"type": "number"},
            "low": nullable({"type": "number"}),
            "high": nullable({"type": "number"}),
            "n": {"type": "integer"},
            "successes": {"type": "integer"},
            "trials": {"type": "integer"},
        },
    }
)

VERDICT = {"type": "string", "enum": ["GO", "NO-GO", "NOT YET"]}

SCHEMAS = {
    "Error": {
        "type": "object",
        "description": "Every refusal: a sentence to show, and for some a machine-readable code.",
        "required": ["error"],
        "properties": {
            "error": {"type": "string", "description": "What went wrong, in a sentence."},
            "code": {"type": "string"},
            "retry_after": {"type": "integer", "description": "With 429: seconds to wait."},
            "errors": {
                "type": "object",
                "description": "With code `screener`: the problem of each answer, by id.",
            },
        },
    },
    "SessionStart": {
        "type": "object",
        "required": ["consent"],
        "properties": {
            "consent": {"const": True},
            "consent_version": nullable({"type": "integer"}),
            "participant_id": {"type": "string", "maxLength": 128},
            "screener": nullable(
                {
                    "type": "object",
                    "additionalProperties": {
                        "anyOf": [
                            {"type": "string"},
                            {"type": "number"},
                            {"type": "array", "items": {"type": "string"}},
                        ]
                    },
                }
            ),
            "invitation": {"type": "string", "maxLength": 64},
        },
    },
    "StudyToRun": {
        "type": "object",
        "description": "What the player needs to run the study; see the fields above.",
        "required": ["study", "tasks", "screens", "questions"],
        "properties": {
            "study": {
                "type": "object",
                "required": ["title", "language", "kind"],
                "properties": {
                    "title": {"type": "string"},
                    "language": {"type": "string"},
                    "kind": {"type": "string", "enum": Prototype.Kind.values},
                },
            },
            "tasks": {"type": "array", "items": ref("TaskToRun")},
            "screens": {"type": "array", "items": ref("ScreenToRun")},
            "questions": {"type": "array", "items": ref("QuestionToRun")},
        },
    },
    "TaskToRun": {
        "type": "object",
        "required": ["id", "number", "kind", "instruction"],
        "properties": {
            "id": {"type": "integer"},
            "number": {"type": "integer"},
            "kind": {
                "type": "string",
                "enum": Task.Kind.values,
            },
            "instruction": {"type": "string"},
            "start_screen": nullable({"type": "integer"}),
            "goal_screens": {"type": "array", "items": {"type": "integer"}},
        },
    },
    "ScreenToRun": {
        "type": "object",
        "required": ["id", "name"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "image_url": nullable({"type": "string"}),
            "hotspots": {"type": "array", "items": {"type": "object"}},
        },
    },
    "QuestionToRun": {
        "type": "object",
        "required": ["id", "kind"],
        "properties": {
            "id": {"type": "integer"},
            "kind": {"type": "string", "enum": Question.Kind.values},
            "text": {"type": "string"},
            "required": {"type": "boolean"},
        },
    },
    "SessionStarted": {
        "type": "object",
        "required": ["session_token", "admitted"],
        "description": (
            "Admitted: the session token and the study to run (`StudyToRun`'s fields). "
            "Turned away: `admitted` false, with `refusal` and `message`."
        ),
        "properties": {
            "session_token": {"type": "string"},
            "admitted": {"type": "boolean"},
            "refusal": {"type": "string", "enum": ["screener", "segment_full"]},
            "message": {"type": "string"},
        },
    },
    "SessionState": {
        "allOf": [
            ref("StudyToRun"),
            {
                "type": "object",
                "required": ["session_token", "session"],
                "properties": {
                    "session_token": {"type": "string"},
                    "session": {
                        "type": "object",
                        "required": ["state", "tasks_ended", "questions_answered"],
                        "properties": {
                            "state": ref("SessionStateName"),
                            "tasks_ended": {"type": "array", "items": {"type": "integer"}},
                            "questions_answered": {
                                "type": "array",
                                "items": {"type": "integer"},
                            },
                            "completion": {"type": "object"},
                        },
                    },
                },
            },
        ]
    },
    "SessionStateName": {"type": "string", "enum": ParticipantSession.State.values},
    "EventType": {"type": "string", "enum": Event.Type.values},
    "Event": {
        "type": "object",
        "required": ["id", "type", "t_ms"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "type": ref("EventType"),
            "t_ms": {"type": "integer", "minimum": 0, "maximum": 2_678_400_000},
            "task": nullable({"type": "integer"}),
            "screen": nullable({"type": "integer"}),
            "hotspot": nullable({"type": "integer"}),
            "x": nullable({"type": "number", "minimum": 0, "maximum": 1}),
            "y": nullable({"type": "number", "minimum": 0, "maximum": 1}),
            "data": nullable({"type": "object"}),
        },
    },
    "EventBatch": {
        "type": "object",
        "required": ["events"],
        "properties": {
            # The limit is in words, not `maxItems`: a longer batch is a 413 (split it), where
            # a schema violation would be a 400 (do not retry).
            "events": {
                "type": "array",
                "items": ref("Event"),
                "description": f"At most {MAX_BATCH_EVENTS} events (else 413).",
            },
            "dropped": {"type": "integer", "minimum": 0},
        },
    },
    "EventsStored": {
        "type": "object",
        "required": ["stored", "duplicates"],
        "properties": {
            "stored": {"type": "integer", "minimum": 0},
            "duplicates": {"type": "integer", "minimum": 0},
        },
    },
    "AudioStored": {
        "type": "object",
        "required": ["stored", "total_bytes"],
        "properties": {
            "stored": {
                "type": "boolean",
                "description": "False when this chunk was stored already (sent again).",
            },
            "total_bytes": {
                "type": "integer",
                "minimum": 0,
                "description": "The session's recorded bytes so far.",
            },
        },
    },
    "TypedAnswer": {
        "type": "object",
        "required": ["step"],
        "properties": {
            "step": {"type": "string", "description": "The step the answer was typed on."},
            "text": {"type": "string", "description": "What was typed."},
        },
    },
    "Route": {
        "type": "object",
        "required": ["target"],
        "properties": {
            "target": nullable(
                {"type": "string", "description": "The next step; null to stay on this one."}
            )
        },
    },
    "Attach": {
        "type": "object",
        "required": ["session"],
        "properties": {
            "session": {
                "type": "string",
                "description": "The token of the session the player started through this link.",
            }
        },
    },
    "ModeratedState": {"type": "string", "enum": ModeratedSession.State.values},
    "ModerationCommand": {
        "type": "object",
        "description": "One of the facilitator's controls, or the wizard's answer to a turn.",
        "required": ["id", "kind", "data"],
        "properties": {
            "id": {
                "type": "integer",
                "description": "Increasing: the player applies each command once.",
            },
            "kind": {"type": "string", "enum": Command.Kind.values},
            "data": {
                "type": "object",
                "description": 'With `wizard`: `{"turn": WizardTurn}`; else empty.',
            },
        },
    },
    "ModerationEvent": {
        "type": "object",
        "description": "One event of the stream: a command, with its id as the event's id.",
        "required": ["event", "id", "data"],
        "properties": {
            "event": {"const": "command"},
            "id": {"type": "string", "pattern": "^[0-9]+$"},
            "data": {
                "type": "string",
                "contentMediaType": JSON,
                "contentSchema": {
                    "allOf": [
                        ref("ModerationCommand"),
                        {"properties": {"event": {"const": "command"}}, "required": ["event"]},
                    ]
                },
            },
        },
    },
    "ModerationNews": {
        "type": "object",
        "required": ["state", "facilitator", "last", "commands"],
        "properties": {
            "state": ref("ModeratedState"),
            "facilitator": {
                "type": "boolean",
                "description": "Whether a facilitator's console asked for news lately.",
            },
            "last": {
                "type": "integer",
                "minimum": 0,
                "description": (
                    "The newest command's id (0 before any): a player drops an answer older "
                    "than a command the push already brought."
                ),
            },
            "commands": {
                "type": "array",
                "items": ref("ModerationCommand"),
                "description": "The commands after `after`, oldest first, at most 200.",
            },
        },
    },
    "ModeratedAnswer": {
        "type": "object",
        "required": ["step"],
        "properties": {
            "step": {"type": "string", "description": "The step the answer was given on."},
            "text": {
                "type": "string",
                "description": (
                    f"What was typed (cut at {MAX_ANSWER_CHARS:,} characters); "
                    "ignored with `choice`."
                ),
            },
            "choice": {
                "type": "integer",
                "minimum": 0,
                "description": "The pressed choice's index on the step, from 0; absent if typed.",
            },
        },
    },
    "WizardTurn": {
        "type": "object",
        "required": ["id", "state", "target", "reply"],
        "properties": {
            "id": {"type": "integer"},
            "state": {"type": "string", "enum": WizardTurn.State.values},
            "target": nullable(
                {
                    "type": "string",
                    "description": (
                        "The step to go to: the wizard's pick, or the fallback after a "
                        "timeout; null to stay on the step."
                    ),
                }
            ),
            "reply": {
                "type": "string",
                "description": "The bot's reply the wizard typed instead of a step, or empty.",
            },
        },
    },
    "WizardTurnOpened": {
        "type": "object",
        "required": ["turn", "wait_ms"],
        "properties": {
            "turn": ref("WizardTurn"),
            "wait_ms": {
                "type": "integer",
                "minimum": 0,
                "description": "How long the wizard has; then ask for the turn.",
            },
        },
    },
    "WizardTurnNow": {
        "type": "object",
        "required": ["turn"],
        "properties": {"turn": ref("WizardTurn")},
    },
    "Report": {
        "type": "object",
        "description": "Every field is described in docs/api-reports.md.",
        "required": ["study", "revision", "revisions", "participants", "verdict", "criteria"],
        "properties": {
            "study": {
                "type": "object",
                "required": ["id", "title", "state", "revision", "confidence"],
                "properties": {
                    "id": {"type": "integer"},
                    "title": {"type": "string"},
                    "state": ref("StudyState"),
                    "revision": {"type": "integer"},
                    "confidence": {"type": "number"},
                },
            },
            "revision": nullable({"type": "integer"}),
            "revisions": {"type": "array", "items": {"type": "object"}},
            "participants": {
                "type": "object",
                "properties": {
                    "started": {"type": "integer"},
                    "completed": {"type": "integer"},
                    "screened_out": {"type": "integer"},
                },
            },
            "verdict": VERDICT,
            "criteria": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "metric", "verdict", "must_have"],
                    "properties": {
                        "id": {"type": "integer"},
                        "metric": {"type": "string"},
                        "verdict": {"type": "string", "enum": ["PASS", "FAIL", "NOT YET"]},
                        "must_have": {"type": "boolean"},
                        "more_participants": nullable({"type": "integer"}),
                    },
                },
            },
            "tasks": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "number", "attempts"],
                    "properties": {
                        "id": {"type": "integer"},
                        "number": {"type": "integer"},
                        "attempts": {"type": "integer"},
                        "completion": MEASURE,
                        "direct_success": MEASURE,
                        "time_on_task": MEASURE,
                    },
                },
            },
            "concepts": nullable({"type": "object"}),
            "decision": nullable({"type": "object"}),
            "wizard": nullable({"type": "object"}),
        },
    },
    "StudyState": {"type": "string", "enum": Study.State.values},
    "Study": {
        "type": "object",
        "required": [
            "id",
            "title",
            "state",
            "kind",
            "language",
            "revision",
            "target_participants",
            "confidence",
            "problem",
            "sessions",
            "created_at",
            "went_live_at",
            "closed_at",
            "urls",
        ],
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "state": ref("StudyState"),
            "kind": {"type": "string", "enum": Prototype.Kind.values},
            "language": {"type": "string"},
            "revision": {"type": "integer", "minimum": 1},
            "target_participants": {"type": "integer", "minimum": 0},
            "confidence": {"type": "number"},
            "problem": {
                "type": "object",
                "required": ["id", "title"],
                "properties": {"id": {"type": "integer"}, "title": {"type": "string"}},
            },
            "sessions": {
                "type": "integer",
                "minimum": 0,
                "description": "Participant sessions of every state.",
            },
            "created_at": {"type": "string", "format": "date-time"},
            "went_live_at": nullable({"type": "string", "format": "date-time"}),
            "closed_at": nullable({"type": "string", "format": "date-time"}),
            "urls": {
                "type": "object",
                "required": ["self", "report", "sessions"],
                "properties": {
                    "self": {"type": "string"},
                    "report": {"type": "string"},
                    "sessions": {"type": "string"},
                },
            },
        },
    },
    "StudyCopy": {
        "type": "object",
        "required": ["from_study", "title"],
        "additionalProperties": False,
        "properties": {
            "from_study": {
                "type": "integer",
                "minimum": 1,
                "description": "The study of this workspace to copy.",
            },
            "title": {"type": "string", "minLength": 1, "maxLength": 200},
        },
    },
    "StudyPage": page_of("Study"),
    "Session": {
        "type": "object",
        "required": [
            "id",
            "state",
            "revision",
            "language",
            "participant_id",
            "simulated",
            "started_at",
            "finished_at",
            "dropped_events",
            "urls",
        ],
        "properties": {
            "id": {"type": "integer"},
            "state": ref("SessionStateName"),
            "revision": {"type": "integer"},
            "language": {"type": "string"},
            "participant_id": {
                "type": "string",
                "description": "The external participant id (`?pid=` of the link), or empty.",
            },
            "simulated": {"type": "boolean"},
            "started_at": {"type": "string", "format": "date-time"},
            "finished_at": nullable({"type": "string", "format": "date-time"}),
            "dropped_events": {"type": "integer", "minimum": 0},
            "urls": {
                "type": "object",
                "required": ["events"],
                "properties": {"events": {"type": "string"}},
            },
        },
    },
    "SessionPage": page_of("Session"),
    "RecordedEvent": {
        "type": "object",
        "required": [
            "id",
            "type",
            "t_ms",
            "task",
            "screen",
            "hotspot",
            "x",
            "y",
            "data",
            "received_at",
        ],
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "type": ref("EventType"),
            "t_ms": {"type": "integer", "minimum": 0},
            "task": nullable({"type": "integer"}),
            "screen": nullable({"type": "integer"}),
            "hotspot": nullable({"type": "integer"}),
            "x": nullable({"type": "number"}),
            "y": nullable({"type": "number"}),
            "data": nullable({"type": "object"}),
            "received_at": {"type": "string", "format": "date-time"},
        },
    },
    "EventPage": {
        "type": "object",
        "required": ["session", "results", "next_cursor", "next"],
        "properties": {
            "session": {"type": "integer"},
            "results": {"type": "array", "items": ref("RecordedEvent")},
            "next_cursor": nullable(
                {"type": "string", "description": "Pass as `cursor` for the next page."}
            ),
            "next": nullable({"type": "string", "description": "The next page's URL."}),
        },
    },
}

SESSION_TOKEN = path_token("The session's token, from the session start.")
SHARE_TOKEN = path_token("The token of the study's share link (the last part of `/s/<token>/`).")
REPORT_TOKEN = path_token("The token of a stakeholder link (the last part of `/r/<token>/`).")
STUDY_ID = path_id("study_id", "The study's id.")
EXPORT_ID = path_id("export_id", "The PDF export's id.")
REVISION = {
    "name": "revision",
    "in": "query",
    "description": "Only participants of this study revision; every revision when absent.",
    "schema": {"type": "integer", "minimum": 1},
}
# Pages are forgiving: a revision that is not a whole number from 1 shows every revision.
PAGE_REVISION = {
    **REVISION,
    "description": "Only participants of this study revision; every revision otherwise.",
    "schema": {"type": "string"},
}
PAGE = {
    "name": "page",
    "in": "query",
    "description": f"The page, from 1; {PER_PAGE} items a page.",
    "schema": {"type": "integer", "minimum": 1},
}

MODERATED_TOKEN = path_token("The moderated session's token (the last part of `/m/<token>/`).")
CLIP_ID = path_id("clip_id", "The clip's id (from the summary page).")
FOREIGN_ORIGIN = error("A foreign `Origin`.")
MODERATED_TOO_MANY = too_many(
    f"Over {PARTICIPANT_LIMIT.requests} requests a minute for the moderated session."
)


UNAUTHORIZED = error("No token, a malformed `Authorization` header, or a revoked token.")
UNAUTHORIZED["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}}}
API_ERRORS = {
    "401": UNAUTHORIZED,
    "403": error("The token's scope or its owner's role does not allow this."),
    "405": error("Another method than those listed here."),
    "429": too_many(f"Over {API_LIMIT.requests} requests a minute with this token."),
}


def api_operation(summary, description, responses, parameters=(), scope="read", **more):
    operation = {
        "tags": ["Designer API"],
        "summary": summary,
        "description": description,
        "security": [{"accessToken": []}],
        "x-scope": scope,
        "parameters": list(parameters),
        "responses": {**responses, **deepcopy(API_ERRORS)},
    }
    operation.update(more)
    return operation


PATHS = {
    "/api/studies/{token}/sessions": {
        "post": {
            "tags": ["Participant API"],
            "operationId": "api_session_start",
            "summary": "Start a session after consent",
            "description": prose.START,
            "parameters": [SHARE_TOKEN],
            "requestBody": {
                "required": True,
                "content": {JSON: {"schema": ref("SessionStart")}},
            },
            "responses": {
                "201": json_body(ref("SessionStarted"), "Started (admitted or turned away)."),
                "400": error("No consent, a malformed body, or invalid screener answers."),
                "403": error("A foreign `Origin`."),
                "404": error("Unknown or revoked share link, or unknown invitation."),
                "405": {"description": "Another method than POST."},
                "409": error("Not accepting participants, consent changed, invitation used."),
                "413": error("A body over 10,000 bytes."),
                "429": too_many(
                    f"Over {SESSIONS_LIMIT.requests} starts a minute from one address."
                ),
            },
        }
    },
    "/api/sessions/{token}": {
        "get": {
            "tags": ["Participant API"],
            "operationId": "api_session_state",
            "summary": "Where a session stands, to resume it",
            "description": prose.RESUME,
            "parameters": [SESSION_TOKEN],
            "responses": {
                "200": json_body(ref("SessionState"), "The study and where the session stands."),
                "404": error("No such session."),
                "405": {"description": "Another method than GET."},
            },
        }
    },
    "/api/sessions/{token}/events": {
        "post": {
            "tags": ["Participant API"],
            "operationId": "api_events",
            "summary": "Record a batch of events",
            "description": prose.EVENTS,
            "parameters": [SESSION_TOKEN],
            "requestBody": {
                "required": True,
                "content": {JSON: {"schema": ref("EventBatch")}},
            },
            "responses": {
                "200": json_body(ref("EventsStored"), "The batch is stored."),
                "400": error("A batch refused as a whole: nothing was stored."),
                "403": error("A foreign `Origin`."),
                "404": error("No such session."),
                "405": {"description": "Another method than POST."},
                "410": error("The session is over."),
                "413": error(f"Over {MAX_BATCH_EVENTS} events or 1 MB."),
                "429": too_many(f"Over {EVENTS_LIMIT.requests} batches a minute for the session."),
            },
        }
    },
    "/api/sessions/{token}/audio": {
        "post": {
            "tags": ["Participant API"],
            "operationId": "api_audio_chunk",
            "summary": "Record a chunk of think-aloud audio",
            "description": (
                "For a study that asks participants to think aloud: one chunk of the "
                "participant's MediaRecorder stream (Opus in WebM or Ogg), at its place in the "
                "session. A chunk sent again is stored once. See docs/audio.md."
            ),
            "parameters": [
                SESSION_TOKEN,
                *(
                    {
                        "name": name,
                        "in": "query",
                        "required": True,
                        "description": description,
                        "schema": {"type": "integer", "minimum": 0},
                    }
                    for name, description in [
                        ("segment", "The recorder: its start, in ms on the session's clock."),
                        ("index", "The chunk's number within its segment, from 0."),
                        ("offset_ms", "The chunk's start on the session's clock."),
                        ("duration_ms", "The chunk's length."),
                    ]
                ),
            ],
            "requestBody": {
                "required": True,
                "content": {
                    media: {"schema": {"type": "string", "format": "binary"}}
                    for media in ("audio/webm", "audio/ogg")
                },
            },
            "responses": {
                "200": json_body(ref("AudioStored"), "Stored already: nothing changed."),
                "201": json_body(ref("AudioStored"), "Stored."),
                "400": error("A position that is not a whole number, 0 or more."),
                "403": error("A foreign `Origin`, or a study that does not record audio."),
                "404": error("No such session."),
                "405": {"description": "Another method than POST."},
                "410": error("The session is over."),
                "413": error(
                    f"A chunk over {MAX_CHUNK_BYTES:,} bytes or a session over "
                    f"{MAX_SESSION_BYTES:,} bytes."
                ),
                "415": error("Not Opus audio in WebM or Ogg."),
                "429": too_many(f"Over {AUDIO_LIMIT.requests} chunks a minute for the session."),
            },
        }
    },
    "/scripts/route/{token}/": {
        "post": {
            "tags": ["Participant API"],
            "operationId": "script_route",
            "summary": "Where a typed answer leads in a scripted flow",
            "description": (
                "For a scripted prototype's player: the step a typed answer leads to. "
                "Nothing is recorded here; the answer itself is a `text` event."
            ),
            "parameters": [SESSION_TOKEN],
            "requestBody": {
                "required": True,
                "content": {"application/x-www-form-urlencoded": {"schema": ref("TypedAnswer")}},
            },
            "responses": {
                "200": json_body(ref("Route"), "Where to go."),
                "400": error("No step, an unknown step or an unreadable script."),
                "404": error("The session is over or does not exist."),
                "405": {"description": "Another method than POST."},
                "429": too_many("Too many answers routed for this session."),
            },
        }
    },
    "/api/moderated/{token}/attach": {
        "post": {
            "tags": ["Participant API"],
            "operationId": "moderated_api_attach",
            "summary": "Attach the player's session to a moderated session",
            "description": (
                "The player of a personal link started (or resumed) its session: from now on "
                "the facilitator's console follows that session. Answers where the moderated "
                "session stands, with every command so far."
            ),
            "parameters": [MODERATED_TOKEN],
            "requestBody": {
                "required": True,
                "content": {"application/x-www-form-urlencoded": {"schema": ref("Attach")}},
            },
            "responses": {
                "200": json_body(ref("ModerationNews"), "Attached."),
                "400": error("No session, or one not started through this personal link."),
                "403": FOREIGN_ORIGIN,
                "404": error("No such moderated session."),
                "405": {"description": "Another method than POST."},
                "429": MODERATED_TOO_MANY,
            },
        }
    },
    "/api/moderated/{token}/commands": {
        "get": {
            "tags": ["Participant API"],
            "operationId": "moderated_api_commands",
            "summary": "The facilitator's commands since the last one seen (polling)",
            "description": (
                "The polling fallback of the stream: the state, whether a facilitator is "
                "there, and the commands after `after`. Never cached."
            ),
            "parameters": [
                MODERATED_TOKEN,
                {
                    "name": "after",
                    "in": "query",
                    "description": "The id of the last command seen; 0 (all) when absent.",
                    "schema": {"type": "integer"},
                },
            ],
            "responses": {
                "200": json_body(ref("ModerationNews"), "Where the session stands."),
                "400": error("`after` is not a whole number."),
                "403": FOREIGN_ORIGIN,
                "404": error("No such moderated session."),
                "405": {"description": "Another method than GET."},
                "429": MODERATED_TOO_MANY,
            },
        }
    },
    "/api/moderated/{token}/stream": {
        "get": {
            "tags": ["Participant API"],
            "operationId": "moderated_api_stream",
            "summary": "The facilitator's commands as server-sent events",
            "description": (
                "An `EventSource` stream: first the stored commands after the last one the "
                "player saw (`Last-Event-ID`, or `last_event_id` in the query; all of them on "
                "a first connection), then each new command as it is stored. Each is an event "
                '`command` whose id is the command\'s and whose data is `{"event": "command", '
                '"id", "kind", "data"}` (see ModerationCommand); `: ping` comments keep the '
                "connection open. The stream ends after `LIVE_STREAM_SECONDS` (120 by "
                "default) and the browser reconnects; while the push is down it ends after "
                "the catch-up with a longer `retry:`, and the player polls meanwhile "
                "(docs/live.md)."
            ),
            "parameters": [
                MODERATED_TOKEN,
                {
                    "name": "Last-Event-ID",
                    "in": "header",
                    "description": "Sent by `EventSource` when it reconnects: a command's id.",
                    "schema": {"type": "string"},
                },
                {
                    "name": "last_event_id",
                    "in": "query",
                    "description": (
                        "The same, for a first connection; anything but a command's id "
                        "replays every command."
                    ),
                    "schema": {"type": "string"},
                },
            ],
            "responses": {
                "200": {
                    "description": "The event stream.",
                    "headers": {"Cache-Control": {"schema": {"const": "no-cache"}}},
                    "content": {"text/event-stream": {"schema": ref("ModerationEvent")}},
                },
                "403": FOREIGN_ORIGIN,
                "404": error("No such moderated session."),
                "405": {"description": "Another method than GET."},
                "429": MODERATED_TOO_MANY,
            },
        }
    },
    "/api/moderated/{token}/route": {
        "post": {
            "tags": ["Participant API"],
            "operationId": "moderated_api_route",
            "summary": "Where an answer leads in a moderated scripted flow",
            "description": (
                "`script_route` for a moderated session: the step a typed answer or a pressed "
                "choice leads to. On a `[wizard]` step of a live session with a facilitator "
                "there, the facilitator answers instead: the answer opens a **wizard turn** "
                "(`pending`) and the player waits `wait_ms` for the `wizard` command, then "
                "asks for the turn. Nothing is recorded here but the turn; the answer itself "
                "is an event."
            ),
            "parameters": [MODERATED_TOKEN],
            "requestBody": {
                "required": True,
                "content": {
                    "application/x-www-form-urlencoded": {"schema": ref("ModeratedAnswer")}
                },
            },
            "responses": {
                "200": json_body(
                    {"anyOf": [ref("Route"), ref("WizardTurnOpened")]},
                    "Where to go, or the wizard turn to wait for.",
                ),
                "400": error(
                    "An unknown step, a choice that is not one of the step's, or an "
                    "unreadable script."
                ),
                "403": FOREIGN_ORIGIN,
                "404": error("No such moderated session, not started yet, or over."),
                "405": {"description": "Another method than POST."},
                "429": MODERATED_TOO_MANY,
            },
        }
    },
    "/api/moderated/{token}/turn": {
        "get": {
            "tags": ["Participant API"],
            "operationId": "moderated_api_turn",
            "summary": "A wizard turn as it stands",
            "description": (
                "The turn `id` of this moderated session: `pending`, `answered` by the "
                "facilitator (a step, or a reply typed), or `timed_out`. Asked past its "
                "deadline (`WIZARD_TIMEOUT_SECONDS` after it opened), a pending turn is "
                "settled first by the step's fallback (`? * -> step`; null without one). "
                "Never cached."
            ),
            "parameters": [
                MODERATED_TOKEN,
                {
                    "name": "id",
                    "in": "query",
                    "required": True,
                    "description": "The turn's id (from the route's answer).",
                    "schema": {"type": "integer", "minimum": 0},
                },
            ],
            "responses": {
                "200": json_body(ref("WizardTurnNow"), "The turn."),
                "403": FOREIGN_ORIGIN,
                "404": error(
                    "No such moderated session, or no such turn in it (an `id` that is not a "
                    "whole number included)."
                ),
                "405": {"description": "Another method than GET."},
                "429": MODERATED_TOO_MANY,
            },
        }
    },
    "/api/studies/{study_id}/report.json": {
        "get": {
            "tags": ["Reports"],
            "operationId": "api_report",
            "summary": "A study's report: metrics, intervals, criteria and verdict",
            "description": (
                "The same computation as the results page and the stakeholder summary. "
                "For a member of the study's workspace (the web app's session cookie) or "
                "anyone with a stakeholder link's token in `?token=`. Anything else, a study "
                "that does not exist included, is a 404: outsiders never learn whether a study "
                "exists. Answers carry `Cache-Control: private, no-store`. Every field is "
                "described in [api-reports.md](api-reports.md)."
            ),
            "security": [{}, {"reportToken": []}, {"webSession": []}],
            "parameters": [STUDY_ID, REVISION],
            "responses": {
                "200": json_body(ref("Report"), "The report."),
                "400": error("`revision` is not a whole number from 1."),
                "404": error("No such study, or no access to it."),
                "405": {"description": "Another method than GET."},
            },
        }
    },
    "/r/{token}/": {
        "get": {
            "tags": ["Share links"],
            "operationId": "report_share_view",
            "summary": "The stakeholder summary of a report link (a page)",
            "description": "The summary page a stakeholder opens, with no account.",
            "parameters": [REPORT_TOKEN, PAGE_REVISION],
            "responses": {
                "200": html("The summary."),
                "404": html("Unknown, revoked or expired link."),
            },
        }
    },
    "/r/{token}/exports/": {
        "post": {
            "tags": ["Share links"],
            "operationId": "report_share_export_create",
            "summary": "Ask for the summary as a PDF",
            "description": (
                "Built in the background; the answer leads to the export's status page. "
                "At most 20 a link an hour."
            ),
            "parameters": [REPORT_TOKEN, PAGE_REVISION],
            "responses": {
                "302": {"description": "To the export's status page."},
                "200": html("With htmx (`HX-Request`): the export's status fragment."),
                "403": html("No CSRF token: the summary page's form sends one."),
                "404": html("Unknown, revoked or expired link."),
                "405": {"description": "Another method than POST."},
                "429": {
                    "description": "Over 20 PDFs a link an hour.",
                    "headers": {"Retry-After": {"$ref": "#/components/headers/RetryAfter"}},
                    "content": {"text/plain": {"schema": {"type": "string"}}},
                },
            },
        }
    },
    "/r/{token}/exports/{export_id}/": {
        "get": {
            "tags": ["Share links"],
            "operationId": "report_share_export_status",
            "summary": "Where a PDF export stands (a page)",
            "description": "Shows progress, then the download link.",
            "parameters": [REPORT_TOKEN, EXPORT_ID],
            "responses": {
                "200": html("The export's status."),
                "404": html("Unknown link, or no such PDF for this summary."),
                "405": {"description": "Another method than GET."},
            },
        }
    },
    "/r/{token}/exports/{export_id}/download/": {
        "get": {
            "tags": ["Share links"],
            "operationId": "report_share_export_download",
            "summary": "Download a finished PDF",
            "description": "The PDF once built; before that, the status page with a 409.",
            "parameters": [REPORT_TOKEN, EXPORT_ID],
            "responses": {
                "200": {
                    "description": "The PDF.",
                    "content": {"application/pdf": {"schema": {"type": "string"}}},
                },
                "404": html("Unknown link, or no such PDF for this summary."),
                "405": {"description": "Another method than GET."},
                "409": html("Not built yet, or its build failed: the status page."),
            },
        }
    },
    "/r/{token}/clips/{clip_id}/audio/": {
        "get": {
            "tags": ["Share links"],
            "operationId": "shared_clip_audio",
            "summary": "Play an audio clip placed in the summary",
            "description": (
                "A think-aloud clip the designers placed in the study's summary, cut from the "
                "participant's recording (docs/audio.md). Only clips placed in the summary of "
                "this link's study; answered `Cache-Control: private, no-store`, so a revoked "
                f"link stops playing at once. At most {SHARED_CLIP_PLAYS.requests} plays a "
                "link an hour."
            ),
            "parameters": [REPORT_TOKEN, CLIP_ID],
            "responses": {
                "200": {
                    "description": "The clip, Opus in WebM.",
                    "content": {CLIP_MIME_TYPE: {"schema": {"type": "string", "format": "binary"}}},
                },
                "404": html("Unknown, revoked or expired link, or no such clip in its summary."),
                "405": {"description": "Another method than GET."},
                "409": {
                    "description": "The recording has no sound at the clip's moment.",
                    "content": {"text/plain": {"schema": {"type": "string"}}},
                },
                "429": {
                    "description": f"Over {SHARED_CLIP_PLAYS.requests} plays a link an hour.",
                    "headers": {"Retry-After": {"$ref": "#/components/headers/RetryAfter"}},
                    "content": {"text/plain": {"schema": {"type": "string"}}},
                },
            },
        }
    },
    "/api/v1/studies": {
        "get": api_operation(
            "The workspace's studies",
            "Every study of the token's workspace, newest first, a page at a time.",
            {
                "200": json_body(ref("StudyPage"), "One page of studies."),
                "400": error("`page` is not a page of the list."),
            },
            parameters=[PAGE],
            operationId="api_v1_studies",
        ),
        "post": api_operation(
            "Create a study from an existing one",
            (
                "A new **draft** study in the token's workspace, copied from one of its "
                "studies: the same problem, prototype version, concepts, tasks (with their "
                "screens, cards and categories), questions and success criteria. Nothing of "
                "the original's run comes along: no share link, no participant, revision 1. "
                "Needs a token with the `write` scope, whose owner is a designer or an owner "
                "of the workspace."
            ),
            {
                "201": {
                    **json_body(ref("Study"), "The new draft."),
                    "headers": {"Location": {"schema": {"type": "string"}}},
                },
                "400": error("A malformed body, an unknown field, or no such study to copy."),
            },
            scope="write",
            operationId="api_v1_studies_create",
            requestBody={"required": True, "content": {JSON: {"schema": ref("StudyCopy")}}},
        ),
    },
    "/api/v1/studies/{study_id}": {
        "get": api_operation(
            "A study",
            "One study of the token's workspace.",
            {
                "200": json_body(ref("Study"), "The study."),
                "404": error("No such study in the token's workspace."),
            },
            parameters=[STUDY_ID],
            operationId="api_v1_study",
        )
    },
    "/api/v1/studies/{study_id}/report": {
        "get": api_operation(
            "A study's report",
            "The same document as `report.json` (see Reports), for a token.",
            {
                "200": json_body(ref("Report"), "The report."),
                "400": error("`revision` is not a whole number from 1."),
                "404": error("No such study in the token's workspace."),
            },
            parameters=[STUDY_ID, REVISION],
            operationId="api_v1_study_report",
        )
    },
    "/api/v1/studies/{study_id}/sessions": {
        "get": api_operation(
            "A study's participant sessions",
            "Newest first, a page at a time; `state` keeps the sessions in one state.",
            {
                "200": json_body(ref("SessionPage"), "One page of sessions."),
                "400": error("`page` or `state` is not valid."),
                "404": error("No such study in the token's workspace."),
            },
            parameters=[
                STUDY_ID,
                PAGE,
                {
                    "name": "state",
                    "in": "query",
                    "description": "Only sessions in this state.",
                    "schema": ref("SessionStateName"),
                },
            ],
            operationId="api_v1_study_sessions",
        )
    },
    "/api/v1/sessions/{session_id}/events": {
        "get": api_operation(
            "A session's events",
            (
                "In the order they happened (`t_ms`, then arrival), a page at a time. Pages "
                "follow a cursor, not page numbers, so they stay right while events arrive: "
                "pass a page's `next_cursor` as `cursor` (or follow `next`) until it is null. "
                "The fields are those the participant API records (see Record events)."
            ),
            {
                "200": json_body(ref("EventPage"), "One page of events."),
                "400": error("`cursor` or `limit` is not valid."),
                "404": error("No such session in the token's workspace."),
            },
            parameters=[
                path_id("session_id", "The session's id (from the sessions list)."),
                {
                    "name": "cursor",
                    "in": "query",
                    "description": "The `next_cursor` of the previous page.",
                    "schema": {"type": "string"},
                },
                {
                    "name": "limit",
                    "in": "query",
                    "description": f"Events a page, {DEFAULT_EVENTS_PER_PAGE} when absent.",
                    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_EVENTS_PER_PAGE},
                },
            ],
            operationId="api_v1_session_events",
        )
    },
}

DESIGNER_API = f"""\
Scripts, dashboards and other tools read a workspace's studies through these endpoints, with a
**personal access token** made on the workspace's *API tokens* page (Members → API tokens).

* Send it in every request: `Authorization: Bearer pp_…`. A token is shown once, when it is
  made; only its SHA-256 is kept, so a lost token cannot be shown again: revoke it and make
  another.
* A token acts for the person who made it, in one workspace. Its scope is `read` (every `GET`)
  or `write` (also creating studies); a `write` token works only while its owner is a designer
  or an owner of the workspace. It stops working at once when revoked, or when its owner
  leaves the workspace. The page shows when each token was last used (to the minute).
* **401** no token, a malformed header, an unknown or revoked token (with `WWW-Authenticate`);
  **403** a `read` token asking to write, or an owner whose role no longer allows it;
  **404** anything outside the token's workspace, which never learns whether it exists;
  **429** over {API_LIMIT.requests} requests a minute for one token, with `Retry-After`.
* Answers and errors are JSON; an error is `{{"error": "<sentence>", "code": "<code>"}}`.
* Lists come in pages of {PER_PAGE} (`page`, with `next` and `previous` URLs and `count`);
  a session's events follow a cursor instead.
* Tokens are at most {MAX_TOKEN_CHARS} characters and never written to the logs.
"""

INFO = """\
Every endpoint Protoplatform offers outside its own pages, in one OpenAPI 3.1 document:
the **participant API** the player talks to, **reports** (`report.json`) and **share links**
for stakeholders, and the **designer API** for a workspace's own tools.

The document is served at `/api/openapi.json` and drawn at `/api/`; this file is generated from
it (`manage.py api_docs`, checked by the tests). Its source is `prototypes/api/openapi.py`.
"""


@cache
def _document():
    return {
        "openapi": "3.1.0",
        "info": {"title": "Protoplatform API", "version": "1", "description": INFO},
        "tags": [
            {
                "name": "Participant API",
                "description": "\n".join(
                    [
                        prose.INTRO,
                        "### Cross-site requests and CSRF\n",
                        prose.CROSS_SITE,
                        "### The reference client (`static/prototypes/event-queue.js`)\n",
                        prose.CLIENT,
                        "### For server-side callers\n",
                        prose.SERVER_SIDE,
                        "### Moderated sessions\n",
                        prose.MODERATED.format(limit=PARTICIPANT_LIMIT.requests),
                    ]
                ),
            },
            {
                "name": "Reports",
                "description": "A study's results as JSON, for members or holders of a link.",
            },
            {
                "name": "Share links",
                "description": (
                    "What a stakeholder link (`/r/<token>/`, made on a study's summary page) "
                    "opens: pages and PDFs rather than JSON, listed here because they are "
                    "reached without an account. A revoked or expired link answers 404."
                ),
            },
            {"name": "Designer API", "description": DESIGNER_API},
        ],
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "headers": {
                "RetryAfter": {
                    "description": "Seconds to wait before trying again.",
                    "schema": {"type": "string", "pattern": "^[0-9]+$"},
                }
            },
            "securitySchemes": {
                "accessToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal access token of the workspace.",
                },
                "reportToken": {
                    "type": "apiKey",
                    "in": "query",
                    "name": "token",
                    "description": "A stakeholder link's token.",
                },
                "webSession": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "sessionid",
                    "description": "The web app's session of a member of the workspace.",
                },
            },
        },
    }


def document():
    """The document, as a fresh dict (callers may change their copy)."""
    return deepcopy(_document())
