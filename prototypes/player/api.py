"""The JSON API the participant player talks to; the contract is written up in docs/api.md.

No account is involved: a share link's token lets anyone who consents start a session, and the
session's token is then the only key to its events. The endpoints are CSRF-exempt because
`navigator.sendBeacon` cannot send the CSRF header and there is no cookie-borne authority to
abuse; an Origin check stops other sites' pages from posting, while a request with no Origin at
all is let through (a same-origin beacon may omit it, and a script outside a browser could
forge it anyway: the token is what guards the session).
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError, connection
from django.http import JsonResponse
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from prototypes.player import ingestion, services
from prototypes.player.payload import cached_study_payload
from prototypes.ratelimit import Limit, client_ip, refund, retry_after, too_many_requests
from prototypes.recruitment import admission
from prototypes.recruitment.completion import completion_for
from prototypes.recruitment.entrance import read_entrance
from prototypes.sessions.models import ParticipantSession, TaskAttempt
from prototypes.studies import participants
from prototypes.workspaces.access import public_view

# A participant's player sends a batch every second or so while they click; this leaves room
# for bursts and for a backlog sent after a network outage.
EVENTS_LIMIT = Limit("player-events", requests=120, seconds=60)
# Several participants may share one address (an office, a classroom).
SESSIONS_LIMIT = Limit("player-sessions", requests=60, seconds=60)
MAX_TOKEN_CHARS = 64
MAX_START_BODY_BYTES = 10_000


def error(message, status, code=None):
    body = {"error": message}
    if code:
        body["code"] = code
    return JsonResponse(body, status=status)


class Refused(Exception):
    """A request refused for a reason the client is told (a 4xx)."""

    def __init__(self, message, status=400, code=None):
        super().__init__(message)
        self.message, self.status, self.code = message, status, code

    def response(self):
        return error(self.message, self.status, self.code)


def origin_allowed(request):
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    allowed = {
        f"{request.scheme}://{request.get_host()}",
        _origin_of(settings.SITE_URL),
        *(_origin_of(url) for url in settings.CSRF_TRUSTED_ORIGINS),
    }
    return origin in allowed


def _origin_of(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def per_address(request, token):
    # Several participants may share one address (an office, a classroom): see SESSIONS_LIMIT.
    return SESSIONS_LIMIT, client_ip(request)


def per_session(request, token):
    return EVENTS_LIMIT, token[:MAX_TOKEN_CHARS]


def participant_endpoint(rate):
    """The guards every POST of the player shares: this site's Origin, then a rate limit.

    `rate(request, token)` names the limit and the key it counts; it is read per request, so a
    test may swap the limit. A request the server failed to serve (a 5xx, an exception) is not
    counted: after a database outage, participants retrying are not turned away with 429 for
    the rest of the window. One refused for a reason (a 4xx) counts, or probing would be free.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, token):
            if not origin_allowed(request):
                return error("Requests from another site are not accepted.", 403)
            limit, key = rate(request, token)
            seconds = retry_after(limit, key)
            if seconds is not None:
                return too_many_requests(seconds, as_json=True)
            try:
                response = view(request, token)
            except Exception:
                refund(limit, key)
                raise
            if response.status_code >= 500:
                refund(limit, key)
            return response

        return wrapped

    return decorator


def read_json_body(request, limit):
    """The body as bytes, or Refused with a 413 when it is over `limit` bytes."""
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        length = 0
    try:
        body = request.body if length <= limit else None
    except RequestDataTooBig:
        body = None
    if body is None or len(body) > limit:
        raise Refused(f"The body is larger than {limit} bytes.", 413)
    return body


@dataclass(frozen=True)
class Rule:
    """What one field of a JSON body must hold, and what the client is told when it does not.

    A field that is missing (or empty, when it has a `default`) takes its default before the
    check.
    """

    name: str
    valid: Callable[[object], bool]
    message: str
    code: str | None = None
    default: object = None

    def value(self, payload):
        value = payload.get(self.name)
        if self.default is not None and not value:
            return self.default
        return value


def first_error(rules, payload):
    """The first rule, in their order, that the payload breaks, or None."""
    return next((rule for rule in rules if not rule.valid(rule.value(payload))), None)


def clean(rules, payload):
    """The payload's fields by name, or Refused (400) naming the first rule it breaks."""
    broken = first_error(rules, payload)
    if broken is not None:
        raise Refused(broken.message, 400, broken.code)
    return {rule.name: rule.value(payload) for rule in rules}


def optional(valid):
    return lambda value: value is None or valid(value)


def is_screener_answer(answer):
    """A text, a number or a list of texts: what a screener form can send."""
    if isinstance(answer, list):
        return all(isinstance(item, str) for item in answer)
    return isinstance(answer, str | int | float) and not isinstance(answer, bool)


def is_participant_id(value):
    return (
        isinstance(value, str)
        and len(value) <= participants.MAX_PARTICIPANT_ID_CHARS
        and "\x00" not in value
        and value.isprintable()
    )


# docs/api.md, "Start a session": the fields of the body, checked in this order.
SESSION_START = (
    Rule(
        "consent",
        lambda value: value is True,
        "The participant must consent before a session starts.",
    ),
    Rule(
        "screener",
        optional(
            lambda value: isinstance(value, dict) and all(map(is_screener_answer, value.values()))
        ),
        "screener must map question ids to answers.",
        code="screener",
    ),
    Rule(
        "participant_id",
        is_participant_id,
        "participant_id must be printable text of at most 128 characters.",
        default="",
    ),
    Rule(
        "invitation",
        lambda value: isinstance(value, str) and len(value) <= MAX_TOKEN_CHARS,
        "invitation must be the token of a personal invitation.",
        default="",
    ),
    # Compared with the study's own (409 consent_changed), once the study is known.
    Rule("consent_version", lambda value: True, ""),
)


def read_start(request):
    """The fields of a session start's body, or Refused."""
    body = read_json_body(request, MAX_START_BODY_BYTES)
    try:
        payload = ingestion.strict_json_loads(body or b"{}")
    except (ValueError, RecursionError):
        payload = None
    if not isinstance(payload, dict):
        raise Refused('The body must be a JSON object like {"consent": true}.')
    try:
        ingestion.refuse_bad_strings(payload)
    except ingestion.BatchError as problem:
        raise Refused(problem.message) from None
    return clean(SESSION_START, payload)


@require_POST
@csrf_exempt
@public_view
@participant_endpoint(per_address)
def session_start(request, token):
    """Start a session after consent: 201 with the session token and the study to run."""
    entrance = without_health_check(read_entrance, token[:MAX_TOKEN_CHARS])
    if entrance is None or entrance.link.revoked_at is not None:
        return error("No such study link.", 404)
    reason = entrance.closing_reason()
    if reason is not None:
        return error(
            f"This study is not accepting participants ({reason}).", 409, code="not_accepting"
        )
    try:
        fields = read_start(request)
    except Refused as refused:
        return refused.response()
    study = entrance.study
    consent_version = fields["consent_version"]
    if consent_version is not None and consent_version != study.consent_version:
        return error(
            "The consent text has changed since this page was opened: please read it again.",
            409,
            code="consent_changed",
        )
    with translation.override(study.language):
        try:
            session, refusal = admission.start_participant(
                entrance.link,
                participant_id=fields["participant_id"],
                user_agent=request.headers.get("User-Agent", ""),
                screener_answers=fields["screener"],
                invitation_token=fields["invitation"],
                entrance=entrance,
            )
        except admission.ScreenerInvalid as refused:
            return JsonResponse(
                {"error": refused.message, "code": "screener", "errors": refused.errors},
                status=400,
            )
        except admission.StartRefused as refused:
            return error(refused.message, refused.status, code="invitation")
        if refusal:
            # Screened out: the session exists (and counts in the funnel) but runs nothing.
            return JsonResponse(
                {
                    "session_token": session.token,
                    "admitted": False,
                    "refusal": refusal,
                    "message": admission.refusal_message(refusal),
                },
                status=201,
            )
        # The same for every participant shown this version: built once, then cached.
        version_id = (
            services.shown_version_id(session)
            if entrance.has_concepts
            else study.prototype_version_id
        )
        data = cached_study_payload(study, version_id)
    return JsonResponse({"session_token": session.token, "admitted": True, **data}, status=201)


@require_GET
@never_cache
@public_view
def session_state(request, token):
    """The study and where the session stands, for a player resuming after a reload."""
    session = (
        ParticipantSession.objects.select_related("study__prototype_version__prototype")
        .filter(token=token[:MAX_TOKEN_CHARS])
        .first()
    )
    if session is None:
        return error("No such session.", 404)
    study = session.study
    with translation.override(study.language):
        data = services.study_payload(study, services.shown_version(session))
    return JsonResponse(
        {"session_token": session.token, "session": where_session_stands(session), **data}
    )


@require_POST
@csrf_exempt
@public_view
@participant_endpoint(per_session)
def events(request, token):
    """Store a batch of events: 200 {"stored": n, "duplicates": m} or a 4xx {"error": ...}."""
    if len(token) > MAX_TOKEN_CHARS:
        return error("No such session.", 404)
    try:
        body = read_json_body(request, ingestion.MAX_BATCH_BYTES)
    except Refused as refused:
        return refused.response()
    try:
        batch, dropped = ingestion.parse_batch(body)
        result = ingest_without_health_check(token, batch, dropped)
    except ingestion.BatchError as problem:
        return error(problem.message, problem.status)
    return JsonResponse({"stored": result.stored, "duplicates": result.duplicates})


def ingest_without_health_check(token, batch, dropped):
    """ingest_events without Django's connection check (see without_health_check): storing a
    batch again is harmless, as an event is stored once by its UUID."""
    return without_health_check(ingestion.ingest_events, token, batch, dropped)


def without_health_check(first_step, *args):
    """first_step(*args), with a retry on a new database connection in place of Django's check.

    CONN_HEALTH_CHECKS makes the first query of a request on a reused connection a round trip of
    its own (SELECT 1), some 6% of a live batch's CPU time in the web process and the database
    together (measured in-process on PostgreSQL: 0.13 ms of 2.1 ms). A request whose first step
    can run twice with the same effect (a read, a batch of events) skips the check, and one that
    finds its reused connection dead (the database restarted or failed over) runs the step again,
    once, on a new connection: the participant's browser sees no error where the check would
    have avoided one. The rest of the request then uses the connection the step proved alive.
    """
    reused = connection.connection is not None
    connection.health_check_done = True
    try:
        return first_step(*args)
    except (InterfaceError, OperationalError):
        if not reused or connection.is_usable():
            raise
        connection.close()
        return first_step(*args)


def where_session_stands(session):
    """Where the session stands on the server, for a player resuming after a reload."""
    attempts = TaskAttempt.objects.filter(session=session).values_list("task_id", "outcome")
    state = {
        "state": session.state,
        "tasks_ended": sorted(task_id for task_id, outcome in attempts if outcome),
        "questions_answered": sorted(session.answers.values_list("question_id", flat=True)),
    }
    completion = completion_for(session)
    if completion is not None:
        state["completion"] = completion
    return state
