"""Designer-side pages for watching sessions live, and the same pages for invited observers.

Members of the study's workspace observe with any role; the owner turns observation on and
invites observers from outside, whose link (/watch/<token>/…) is checked on every request, so
revoking it closes their pages at the next request or stream reconnection.
"""

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from prototypes.authoring.models import Screen
from prototypes.live import channel, feed, observe
from prototypes.live.forms import NoteForm, ObserverInviteForm
from prototypes.live.models import ObserverInvite, ObserverNote
from prototypes.sessions.models import ParticipantSession
from prototypes.studies.models import Study, Task
from prototypes.workspaces.access import get_scoped_object_or_404, public_view, workspace_view
from prototypes.workspaces.models import ROLE_RANK, Role


def _study(request, study_pk, role=None):
    return get_scoped_object_or_404(
        request, Study.objects.select_related("prototype_version"), role, pk=study_pk
    )


def _observed(request, session_pk):
    """A session the member may watch: its study allows it and its participant was told."""
    session = get_scoped_object_or_404(
        request, ParticipantSession.objects.select_related("study"), pk=session_pk
    )
    if observe.observable_session(session.study, session.pk) is None:
        raise Http404("This session cannot be watched live.")
    return session


def _invited(token, session_pk=None):
    invite = observe.active_invite(token)
    if invite is None or not observe.is_allowed(invite.study):
        raise Http404("This link does not work any more.")
    if session_pk is None:
        return invite, None
    session = observe.observable_session(invite.study, session_pk)
    if session is None:
        raise Http404("This session cannot be watched live.")
    return invite, session


def _is_role(request, workspace_id, role):
    membership = request.memberships.get(workspace_id)
    return membership is not None and ROLE_RANK[membership.role] >= ROLE_RANK[role]


@require_GET
@workspace_view(Role.VIEWER)
def study_live(request, study_pk):
    study = _study(request, study_pk)
    observation = observe.observation_of(study)
    is_owner = _is_role(request, study.workspace_id, Role.OWNER)
    context = {
        "study": study,
        "observation": observation,
        "sessions": observe.observable_sessions(study, observation)[: observe.SESSIONS_SHOWN],
        "notice": observe.notice(study),
        "is_owner": is_owner,
        "invites": study.observer_invites.filter(revoked_at__isnull=True) if is_owner else [],
        "invite_form": ObserverInviteForm(),
        "stream_url": reverse("study_live_stream", kwargs={"study_pk": study.pk}),
        "session_url": reverse("session_observe", kwargs={"session_pk": 0}),
    }
    return render(request, "live/study_live.html", context)


@require_GET
@workspace_view(Role.VIEWER)
def study_live_stream(request, study_pk):
    study = _study(request, study_pk)
    if not observe.is_allowed(study):
        raise Http404("Live observation is off for this study.")
    return channel.stream(
        request,
        feed.study_topic(study.pk),
        lambda last_event_id: [],
        keep=observe.observable_filter(study),
    )


@require_POST
@workspace_view(Role.OWNER)
def study_live_settings(request, study_pk):
    study = _study(request, study_pk)
    allowed = request.POST.get("allowed") == "on"
    observe.allow(study, allowed)
    if allowed:
        messages.success(
            request,
            "Live observation is on. The consent text now tells participants; the sessions of "
            "those who agree to it can be watched.",
        )
    else:
        messages.success(
            request, "Live observation is off; the consent text no longer mentions it."
        )
    return redirect("study_live", study_pk=study.pk)


@require_POST
@workspace_view(Role.OWNER)
def observer_invite_create(request, study_pk):
    study = _study(request, study_pk)
    form = ObserverInviteForm(request.POST)
    if form.is_valid():
        invite = form.save(commit=False)
        invite.study = study
        invite.created_by = request.user
        invite.save()
        messages.success(request, "Link created. Whoever has it can watch this study's sessions.")
    else:
        problems = " ".join(error for errors in form.errors.values() for error in errors)
        messages.error(request, f"No link was created: {problems}")
    return redirect(reverse("study_live", kwargs={"study_pk": study.pk}) + "#observers")


@require_POST
@workspace_view(Role.OWNER)
def observer_invite_revoke(request, invite_pk):
    invite = get_scoped_object_or_404(request, ObserverInvite, pk=invite_pk)
    observe.revoke_invite(invite)
    messages.success(request, f"The link for {invite.label} no longer works.")
    return redirect(reverse("study_live", kwargs={"study_pk": invite.study_id}) + "#observers")


@require_GET
@workspace_view(Role.VIEWER)
def session_observe(request, session_pk):
    session = _observed(request, session_pk)
    return _observe_page(
        request,
        session,
        stream_url=reverse("session_observe_stream", kwargs={"session_pk": session.pk}),
        note_url=reverse("session_note_create", kwargs={"session_pk": session.pk}),
        back_url=reverse("study_live", kwargs={"study_pk": session.study_id}),
        can_quote=_is_role(request, session.study.workspace_id, Role.DESIGNER),
    )


@require_GET
@workspace_view(Role.VIEWER)
def session_observe_stream(request, session_pk):
    session = _observed(request, session_pk)
    return channel.stream(
        request, feed.session_topic(session.pk), observe.session_catch_up(session.pk)
    )


@require_POST
@workspace_view(Role.VIEWER)
def session_note_create(request, session_pk):
    session = _observed(request, session_pk)
    return _create_note(
        request,
        session,
        reverse("session_observe", kwargs={"session_pk": session.pk}),
        author=request.user,
    )


@require_POST
@workspace_view(Role.DESIGNER)
def note_quote(request, note_pk):
    note = get_scoped_object_or_404(request, ObserverNote, pk=note_pk)
    observe.quote(note, request.POST.get("quoted") == "on")
    if request.POST.get("next") == "summary":
        return redirect(reverse("study_summary", kwargs={"study_pk": note.session.study_id}))
    return redirect("session_replay", session_pk=note.session_id)


@require_GET
@public_view
def watch_study(request, token):
    invite, _ = _invited(token)
    study = invite.study
    context = {
        "study": study,
        "invite": invite,
        "sessions": observe.observable_sessions(study)[: observe.SESSIONS_SHOWN],
        "stream_url": reverse("watch_study_stream", kwargs={"token": token}),
        "session_url": reverse("watch_session", kwargs={"token": token, "session_pk": 0}),
    }
    return render(request, "live/study_live.html", context)


@require_GET
@public_view
def watch_study_stream(request, token):
    invite, _ = _invited(token)
    return channel.stream(
        request,
        feed.study_topic(invite.study_id),
        lambda last_event_id: [],
        keep=observe.observable_filter(invite.study),
    )


@require_GET
@public_view
def watch_session(request, token, session_pk):
    invite, session = _invited(token, session_pk)
    kwargs = {"token": token, "session_pk": session.pk}
    return _observe_page(
        request,
        session,
        stream_url=reverse("watch_session_stream", kwargs=kwargs),
        note_url=reverse("watch_note_create", kwargs=kwargs),
        back_url=reverse("watch_study", kwargs={"token": token}),
        invite=invite,
    )


@require_GET
@public_view
def watch_session_stream(request, token, session_pk):
    _, session = _invited(token, session_pk)
    return channel.stream(
        request, feed.session_topic(session.pk), observe.session_catch_up(session.pk)
    )


@require_POST
@public_view
def watch_note_create(request, token, session_pk):
    invite, session = _invited(token, session_pk)
    return _create_note(
        request,
        session,
        reverse("watch_session", kwargs={"token": token, "session_pk": session.pk}),
        invite=invite,
    )


def _observe_page(request, session, **context):
    study = session.study
    version_id = (
        session.concept_assignment.concept.version_id
        if hasattr(session, "concept_assignment")
        else study.prototype_version_id
    )
    screens = Screen.objects.filter(version_id=version_id).order_by("position", "id")
    tasks = Task.objects.filter(study=study).order_by("position", "id")
    context.update(
        session=session,
        study=study,
        note_form=NoteForm(),
        live={
            "screens": {
                str(screen.pk): {
                    "name": screen.name,
                    "image": screen.image.url if screen.image else None,
                }
                for screen in screens
            },
            "tasks": {
                str(task.pk): {"number": number, "instruction": task.instruction}
                for number, task in enumerate(tasks, start=1)
            },
        },
    )
    return render(request, "live/observe.html", context)


def _create_note(request, session, page_url, author=None, invite=None):
    # The observer's page posts with fetch and shows the note when the stream brings it, as it
    # does for every observer; without JavaScript the form posts and the page comes back.
    from_script = request.headers.get("Accept") == "application/json"
    form = NoteForm(request.POST)
    try:
        if not form.is_valid():
            raise observe.NoteError(
                " ".join(error for errors in form.errors.values() for error in errors)
            )
        observe.add_note(
            session,
            form.cleaned_data["text"],
            form.cleaned_data["tags"],
            form.cleaned_data["t_ms"],
            author=author,
            invite=invite,
        )
    except observe.NoteError as error:
        if from_script:
            return JsonResponse({"error": str(error)}, status=400)
        messages.error(request, f"The note was not saved: {error}")
        return redirect(page_url)
    if from_script:
        return JsonResponse({"saved": True}, status=201)
    return redirect(page_url)
