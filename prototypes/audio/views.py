"""Designers hear a session's think-aloud audio here, and nowhere else: every answer is checked
against the session's workspace, and audio is never served from the media URL."""

from django.http import Http404, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from prototypes.audio.storage import assembled_audio
from prototypes.sessions.models import ParticipantSession
from prototypes.workspaces.access import get_scoped_object_or_404, workspace_view
from prototypes.workspaces.http import WorkspaceRequest
from prototypes.workspaces.models import Role


def private(response):
    # Only the member who asked may keep it: no shared cache, no copy on disk.
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@workspace_view(Role.VIEWER)
def session_audio(request: WorkspaceRequest, session_pk):
    """The session's audio as JSON: its segments (with the URL that plays each) and its gaps."""
    session = get_scoped_object_or_404(request, ParticipantSession, pk=session_pk)
    audio = assembled_audio(session)
    if audio is None:
        return private(JsonResponse({"segments": [], "gaps": []}))
    return private(
        JsonResponse(
            {
                "segments": [
                    {
                        "segment": segment.segment,
                        "url": reverse("audio_segment", args=[session.pk, segment.segment]),
                        "mime_type": segment.mime_type,
                        "start_ms": segment.start_ms,
                        "end_ms": segment.end_ms,
                    }
                    for segment in audio.segments
                ],
                "gaps": [
                    {
                        "start_ms": gap.start_ms,
                        "end_ms": gap.end_ms,
                        "reason": gap.reason,
                        "segment": gap.segment,
                        "indexes": list(gap.indexes),
                    }
                    for gap in audio.gaps
                ],
            }
        )
    )


@require_GET
@workspace_view(Role.VIEWER)
def audio_segment(request: WorkspaceRequest, session_pk, segment):
    """One recorder's audio of the session, as one stream its browser can play."""
    session = get_scoped_object_or_404(request, ParticipantSession, pk=session_pk)
    audio = assembled_audio(session)
    found = next((s for s in audio.segments if s.segment == segment), None) if audio else None
    if found is None:
        raise Http404("No such recording.")
    response = HttpResponse(found.read(), content_type=found.mime_type.split(";")[0])
    return private(response)
