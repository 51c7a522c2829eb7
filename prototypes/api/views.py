"""The designer API: JSON under /api/v1/, a personal access token in `Authorization: Bearer`.

Every view is guarded by `api_view` (prototypes/api/access.py) and sees only the token's
workspace: anything else answers 404, so a token never learns what other workspaces hold.
The contract is the OpenAPI document (prototypes/api/openapi.py, served at /api/openapi.json).
"""

from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, JsonResponse
from django.urls import reverse

from prototypes.api.access import api_error, api_view
from prototypes.api.models import AccessToken
from prototypes.player.api import Refused, read_json_body
from prototypes.player.ingestion import BatchError, refuse_bad_strings, strict_json_loads
from prototypes.reports.document import report_document
from prototypes.sessions.models import Event, ParticipantSession
from prototypes.studies.duplicate import duplicate_study
from prototypes.studies.models import Study

READ = {"GET": AccessToken.Scope.READ}
PER_PAGE = 50
MAX_EVENTS_PER_PAGE = 1000
DEFAULT_EVENTS_PER_PAGE = 500
MAX_CREATE_BODY_BYTES = 10_000
MAX_TITLE_CHARS = Study._meta.get_field("title").max_length


class BadRequest(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


def whole_number(request, name, default, low, high):
    """The query parameter `name` as a whole number from `low` to `high`, or BadRequest."""
    raw = request.GET.get(name)
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        raise BadRequest(f"{name} must be a whole number from {low} to {high}.")
    return int(raw)


def paginated(request, queryset, serialise):
    """One page of `queryset` (page numbers, PER_PAGE items): a count and two queries at most."""
    paginator = Paginator(queryset, PER_PAGE)
    number = whole_number(request, "page", 1, 1, max(1, paginator.num_pages))
    page = paginator.page(number)

    def link(n):
        query = request.GET.copy()
        query["page"] = n
        return f"{request.path}?{query.urlencode()}"

    return {
        "count": paginator.count,
        "page": number,
        "pages": paginator.num_pages,
        "next": link(number + 1) if page.has_next() else None,
        "previous": link(number - 1) if page.has_previous() else None,
        "results": [serialise(item) for item in page.object_list],
    }


def iso(moment):
    return moment.isoformat() if moment else None


def study_dict(study):
    return {
        "id": study.pk,
        "title": study.title,
        "state": study.state,
        "kind": study.prototype_version.prototype.kind,
        "language": study.language,
        "revision": study.revision,
        "target_participants": study.target_participants,
        "confidence": study.confidence,
        "problem": {"id": study.problem_id, "title": study.problem.title},
        "sessions": study.session_count,
        "created_at": iso(study.created_at),
        "went_live_at": iso(study.went_live_at),
        "closed_at": iso(study.closed_at),
        "urls": {
            "self": reverse("api_v1_study", args=[study.pk]),
            "report": reverse("api_v1_study_report", args=[study.pk]),
            "sessions": reverse("api_v1_study_sessions", args=[study.pk]),
        },
    }


def workspace_studies(token):
    return (
        Study.objects.filter(workspace_id=token.workspace_id)
        .select_related("problem", "prototype_version__prototype")
        .annotate(session_count=Count("sessions"))
        .order_by("-created_at", "-id")
    )


def token_study(token, study_pk):
    study = workspace_studies(token).filter(pk=study_pk).first()
    if study is None:
        raise Http404("No such study in this token's workspace.")
    return study


def bad_request(view):
    """Turn BadRequest into a 400 with its message."""

    def wrapped(request, token, **kwargs):
        try:
            return view(request, token, **kwargs)
        except BadRequest as problem:
            return api_error(problem.message, 400, "invalid")

    return wrapped


@api_view({"GET": AccessToken.Scope.READ, "POST": AccessToken.Scope.WRITE})
@bad_request
def studies(request, token):
    """GET: the workspace's studies, newest first. POST: a new draft copied from a study."""
    if request.method == "POST":
        return study_create(request, token)
    return JsonResponse(paginated(request, workspace_studies(token), study_dict))


def read_create(request):
    """The fields of a study creation's body, or BadRequest naming the first problem."""
    try:
        body = read_json_body(request, MAX_CREATE_BODY_BYTES)
    except Refused as refused:
        raise BadRequest(refused.message) from None
    try:
        payload = strict_json_loads(body)
        refuse_bad_strings(payload)
    except (ValueError, RecursionError, BatchError):
        payload = None
    if not isinstance(payload, dict):
        raise BadRequest('The body must be a JSON object like {"from_study": 12, "title": "…"}.')
    unknown = sorted(set(payload) - {"from_study", "title"})
    if unknown:
        raise BadRequest(f"Unknown field: {unknown[0]}. Send from_study and title.")
    source = payload.get("from_study")
    if not isinstance(source, int) or isinstance(source, bool) or not 1 <= source < 2**63:
        raise BadRequest("from_study must be the id of a study of this workspace.")
    title = payload.get("title")
    if not isinstance(title, str) or not title.strip() or len(title) > MAX_TITLE_CHARS:
        raise BadRequest(f"title must be text of 1 to {MAX_TITLE_CHARS} characters.")
    if not title.isprintable():
        raise BadRequest("title must be printable text, on one line.")
    return source, title.strip()


def study_create(request, token):
    source, title = read_create(request)
    original = Study.objects.filter(workspace_id=token.workspace_id, pk=source).first()
    if original is None:
        raise BadRequest("from_study must be the id of a study of this workspace.")
    study = duplicate_study(original, title, token.user)
    response = JsonResponse(study_dict(token_study(token, study.pk)), status=201)
    response["Location"] = reverse("api_v1_study", args=[study.pk])
    return response


@api_view(READ)
def study(request, token, study_pk):
    return JsonResponse(study_dict(token_study(token, study_pk)))


@api_view(READ)
@bad_request
def study_report(request, token, study_pk):
    """The study's report: the same document as report.json (docs/api-reports.md)."""
    revision = whole_number(request, "revision", None, 1, 1_000_000)
    response = JsonResponse(report_document(token_study(token, study_pk), revision))
    response["Cache-Control"] = "private, no-store"
    return response


def session_dict(session):
    return {
        "id": session.pk,
        "state": session.state,
        "revision": session.revision,
        "language": session.language,
        "participant_id": session.external_participant_id,
        "simulated": session.is_simulated,
        "started_at": iso(session.started_at),
        "finished_at": iso(session.finished_at),
        "dropped_events": session.dropped_events,
        "urls": {"events": reverse("api_v1_session_events", args=[session.pk])},
    }


@api_view(READ)
@bad_request
def study_sessions(request, token, study_pk):
    """The study's participant sessions, newest first; `?state=` keeps one state."""
    study = token_study(token, study_pk)
    sessions = ParticipantSession.objects.filter(study=study).order_by("-started_at", "-id")
    state = request.GET.get("state")
    if state is not None:
        if state not in ParticipantSession.State.values:
            choices = ", ".join(ParticipantSession.State.values)
            raise BadRequest(f"state must be one of {choices}.")
        sessions = sessions.filter(state=state)
    return JsonResponse(paginated(request, sessions, session_dict))


def event_dict(event):
    return {
        "id": str(event.uuid),
        "type": event.type,
        "t_ms": event.t_ms,
        "task": event.task_id,
        "screen": event.screen_id,
        "hotspot": event.hotspot_id,
        "x": event.x,
        "y": event.y,
        "data": event.data or None,
        "received_at": iso(event.received_at),
    }


@api_view(READ)
@bad_request
def session_events(request, token, session_pk):
    """A session's events in the order they happened, a page at a time (`cursor`, `limit`).

    The cursor is the position of the last event of the previous page: pages stay right
    while events arrive, which page numbers would not.
    """
    session = ParticipantSession.objects.filter(
        pk=session_pk, study__workspace_id=token.workspace_id
    ).first()
    if session is None:
        raise Http404("No such session in this token's workspace.")
    limit = whole_number(request, "limit", DEFAULT_EVENTS_PER_PAGE, 1, MAX_EVENTS_PER_PAGE)
    events = Event.objects.filter(session=session).order_by("t_ms", "id")
    cursor = request.GET.get("cursor")
    if cursor is not None:
        t_ms, _, pk = cursor.partition(".")
        if not (t_ms.isascii() and t_ms.isdigit() and pk.isascii() and pk.isdigit()):
            raise BadRequest("cursor must be the next_cursor of a previous page.")
        t_ms, pk = int(t_ms), int(pk)
        events = events.filter(t_ms__gte=t_ms).exclude(t_ms=t_ms, id__lte=pk)
    page = list(events[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    next_cursor = f"{page[-1].t_ms}.{page[-1].pk}" if more else None
    return JsonResponse(
        {
            "session": session.pk,
            "results": [event_dict(event) for event in page],
            "next_cursor": next_cursor,
            "next": f"{request.path}?{_with(request, cursor=next_cursor)}" if more else None,
        }
    )


def _with(request, **params):
    query = request.GET.copy()
    query.update(params)
    return query.urlencode()
