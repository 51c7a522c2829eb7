"""Transcripts and clips for designers (beside the replay, and searched across a study), and
clips for stakeholders through a summary link.

Every answer is checked: designers' against the session's workspace, stakeholders' against an
active summary link of the clip's study, and only for clips placed in the summary. Audio is
answered `private, no-store`, so a revoked link stops playing at once.
"""

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from prototypes.audio import clips, transcripts
from prototypes.audio.replay_panel import REPLAY_TEMPLATE, replay_audio
from prototypes.audio.storage import assembled_audio
from prototypes.audio.transcript_forms import ClipForm, ClipPlacementForm, SegmentForm
from prototypes.audio.transcript_models import AudioClip, TranscriptSegment
from prototypes.audio.views import private
from prototypes.ratelimit import Limit, rate_limited
from prototypes.reports.views import active_share, has_role, private_page, scoped_study
from prototypes.sessions.models import ParticipantSession
from prototypes.workspaces.access import get_scoped_object_or_404, public_view, workspace_view
from prototypes.workspaces.http import WorkspaceRequest
from prototypes.workspaces.models import Role

# A stakeholder's page plays each clip once or twice; a cap per link keeps the cutting, which
# decodes the recording, from being run without end through a leaked link.
SHARED_CLIP_PLAYS = Limit("shared-clip-audio", requests=300, seconds=60 * 60)


def scoped_session(request, session_pk):
    return get_scoped_object_or_404(
        request, ParticipantSession.objects.select_related("study"), pk=session_pk
    )


@require_GET
@workspace_view(Role.VIEWER)
def session_transcript(request: WorkspaceRequest, session_pk):
    """The replay's transcript panel, polled while the transcript is being made."""
    session = scoped_session(request, session_pk)
    context = replay_audio(request, session, work_here=True)
    return render(request, f"{REPLAY_TEMPLATE}#transcript", context)


@require_POST
@workspace_view(Role.DESIGNER)
def transcript_retry(request: WorkspaceRequest, session_pk):
    """Transcribe the recording again after a failure."""
    session = scoped_session(request, session_pk)
    recording = getattr(session, "recording", None)
    if recording is None:
        raise Http404("This session recorded nothing.")
    transcripts.transcribe_again(recording)
    if request.htmx:
        return render(request, f"{REPLAY_TEMPLATE}#transcript", replay_audio(request, session))
    messages.success(request, "The recording is being transcribed again.")
    return redirect(replay_url(session.pk) + "#transcript")


def scoped_line(request, line_pk, role=None):
    return get_scoped_object_or_404(
        request,
        TranscriptSegment.objects.select_related("transcript__recording__session"),
        role=role,
        pk=line_pk,
    )


def line_context(request, line, form=None):
    session = line.transcript.recording.session
    return {
        "line": line,
        "form": form,
        "session": session,
        "can_edit": has_role(request, line.scoped_workspace_id, Role.DESIGNER),
    }


@require_GET
@workspace_view(Role.VIEWER)
def transcript_segment(request: WorkspaceRequest, line_pk):
    """One line of a transcript as the replay shows it (what 'Cancel' on its form swaps back)."""
    line = scoped_line(request, line_pk)
    return render(request, f"{REPLAY_TEMPLATE}#line", line_context(request, line))


@workspace_view(Role.DESIGNER)
def transcript_segment_edit(request: WorkspaceRequest, line_pk):
    """Correct one line: a form in place of the line (htmx), or a page of its own without JS."""
    line = scoped_line(request, line_pk)
    form = SegmentForm(request.POST or None, initial={"text": line.text})
    if request.method == "POST" and form.is_valid():
        transcripts.edit_segment(line, form.cleaned_data["text"], request.user)
        if request.htmx:
            return render(request, f"{REPLAY_TEMPLATE}#line", line_context(request, line))
        messages.success(request, "The line of the transcript is corrected.")
        return redirect(replay_url(line.transcript.recording.session_id) + "#transcript")
    template = f"{REPLAY_TEMPLATE}#line_form" if request.htmx else "audio/segment_edit.html"
    return render(request, template, line_context(request, line, form))


def replay_url(session_pk):
    return reverse("session_replay", kwargs={"session_pk": session_pk})


@require_GET
@workspace_view(Role.VIEWER)
def study_transcripts(request: WorkspaceRequest, study_pk):
    """Every recording of the study and its transcript's state, and a search through them."""
    study = scoped_study(request, study_pk)
    query = request.GET.get("q", "").replace("\x00", "")[:200]
    found, more = transcripts.search(study, query)
    context = {
        "study": study,
        "query": query,
        "found": found,
        "more": more,
        "searched": len(query.strip()) >= transcripts.SEARCH_MIN_CHARS,
        "min_chars": transcripts.SEARCH_MIN_CHARS,
        "recordings": transcripts.study_recordings(study),
    }
    template = "audio/study_transcripts.html"
    if request.htmx:
        template += "#results"
    return render(request, template, context)


# Clips.


def back_to_clips(request, session):
    if request.htmx:
        return render(request, f"{REPLAY_TEMPLATE}#clips", replay_audio(request, session))
    return redirect(replay_url(session.pk) + "#clips")


@require_POST
@workspace_view(Role.DESIGNER)
def clip_create(request: WorkspaceRequest, session_pk):
    session = scoped_session(request, session_pk)
    assembled = assembled_audio(session)
    recorded = [(s.start_ms, s.end_ms) for s in assembled.segments] if assembled else []
    form = ClipForm(request.POST, recorded=recorded)
    if not form.is_valid():
        if request.htmx:
            context = replay_audio(request, session, clip_form=form)
            return render(request, f"{REPLAY_TEMPLATE}#clips", context)
        problems = " ".join(error for errors in form.errors.values() for error in errors)
        messages.error(request, f"No clip was marked: {problems}")
        return redirect(replay_url(session.pk) + "#clips")
    with transaction.atomic():
        AudioClip.objects.create(
            recording=session.recording,
            start_ms=form.cleaned_data["start_ms"],
            end_ms=form.cleaned_data["end_ms"],
            note=form.cleaned_data["note"],
            created_by=request.user,
        )
    messages.success(request, "Clip marked. Place it in the summary for stakeholders to hear.")
    return back_to_clips(request, session)


def scoped_clip(request, clip_pk):
    return get_scoped_object_or_404(
        request, AudioClip.objects.select_related("recording__session__study"), pk=clip_pk
    )


@require_POST
@workspace_view(Role.DESIGNER)
def clip_update(request: WorkspaceRequest, clip_pk):
    """Place the clip in the summary or take it out, and change its note."""
    clip = scoped_clip(request, clip_pk)
    form = ClipPlacementForm(request.POST)
    if form.is_valid():
        clip.in_summary = form.cleaned_data["in_summary"]
        clip.note = form.cleaned_data["note"]
        clip.save(update_fields=["in_summary", "note"])
        messages.success(
            request,
            "Stakeholders hear this clip in the summary."
            if clip.in_summary
            else "The clip is no longer in the summary.",
        )
    else:
        messages.error(request, "The note is too long.")
    return back_to_clips(request, clip.recording.session)


@require_POST
@workspace_view(Role.DESIGNER)
def clip_delete(request: WorkspaceRequest, clip_pk):
    clip = scoped_clip(request, clip_pk)
    session = clip.recording.session
    clip.delete()
    messages.success(request, "Clip removed.")
    return back_to_clips(request, session)


def clip_response(clip):
    try:
        data = clips.clip_audio(clip)
    except clips.ClipUnavailable as error:
        # The clip exists, but the recording has no sound to cut at its moment.
        return HttpResponse(str(error), status=409, content_type="text/plain; charset=utf-8")
    return HttpResponse(data, content_type=clips.CLIP_MIME_TYPE)


@require_GET
@workspace_view(Role.VIEWER)
def clip_audio(request: WorkspaceRequest, clip_pk):
    return private(clip_response(scoped_clip(request, clip_pk)))


def share_token(request, token, clip_pk):
    return token


@public_view
@require_GET
@rate_limited(SHARED_CLIP_PLAYS, key=share_token, methods=("GET",))
def shared_clip_audio(request, token, clip_pk):
    """A clip placed in the summary, for a holder of an active link to that study's summary."""
    share = active_share(token)
    clip = (
        AudioClip.objects.filter(
            pk=clip_pk, in_summary=True, recording__session__study_id=share.study_id
        )
        .select_related("recording__session")
        .first()
    )
    if clip is None:
        raise Http404("No such clip in this summary.")
    return private(private_page(clip_response(clip)))
