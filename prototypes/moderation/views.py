"""The designer's side of moderated sessions: schedule them, and the facilitator's console.

Members of the study's workspace, invited viewers included, may facilitate; scheduling, and
quoting a facilitator's note in the summary, take a designer. The console reads the
participant's session from its recorded events (the feed) and sends commands and wizard
answers, which are stored before the participant's player hears of them.
"""

from django.conf import settings
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from prototypes.authoring.models import Prototype
from prototypes.authoring.script_publish import playback_context
from prototypes.flowscript import ScriptError
from prototypes.live import channel
from prototypes.live.feed import session_topic
from prototypes.moderation import machine, services
from prototypes.moderation.feed import feed
from prototypes.moderation.forms import CommandForm, NoteForm, ScheduleForm, WizardAnswerForm
from prototypes.moderation.models import ModeratedSession, Note, WizardTurn
from prototypes.player.services import shown_version
from prototypes.studies.models import Study
from prototypes.workspaces.access import check_role, get_scoped_object_or_404, workspace_view
from prototypes.workspaces.http import WorkspaceRequest
from prototypes.workspaces.models import Role


@workspace_view(Role.VIEWER)
def moderated_sessions(request: WorkspaceRequest, study_pk):
    """The study's moderated sessions, and a form to schedule one (designers)."""
    study = get_scoped_object_or_404(request, Study, pk=study_pk)
    form = None
    can_schedule = request.memberships[study.workspace_id].role in (Role.DESIGNER, Role.OWNER)
    if request.method == "POST":
        check_role(request, study.workspace_id, Role.DESIGNER)
        form = ScheduleForm(request.POST)
        if form.is_valid():
            services.schedule(
                study,
                form.cleaned_data["participant_name"],
                form.cleaned_data["scheduled_at"],
                request.user,
            )
            messages.success(request, "Session scheduled: send the participant their link.")
            return redirect("moderated_sessions", study.pk)
    sessions = study.moderated_sessions.select_related("participant_session")
    return render(
        request,
        "moderation/sessions.html",
        {
            "study": study,
            "form": form or ScheduleForm(),
            "can_schedule": can_schedule,
            "sessions": [(moderated, personal_link(moderated)) for moderated in sessions],
        },
        status=400 if form is not None and form.errors else 200,
    )


def personal_link(moderated):
    return settings.SITE_URL + moderated.get_absolute_url()


def scoped_session(request, moderated_pk):
    return get_scoped_object_or_404(
        request,
        ModeratedSession.objects.select_related(
            "study__prototype_version__prototype", "participant_session"
        ),
        pk=moderated_pk,
    )


@require_GET
@workspace_view(Role.VIEWER)
def moderated_console(request: WorkspaceRequest, moderated_pk):
    """The facilitator's console: what the participant sees, the controls, the notes."""
    moderated = scoped_session(request, moderated_pk)
    context = {
        "moderated": moderated,
        "study": moderated.study,
        "link": personal_link(moderated),
        "note_form": NoteForm(),
        "answer_form": WizardAnswerForm(),
        "notes": moderated.notes.select_related("author"),
        "actions": ACTION_LABELS,
    }
    version = (
        shown_version(moderated.participant_session)
        if moderated.participant_session
        else moderated.study.prototype_version
    )
    if version.prototype.kind == Prototype.Kind.SCRIPTED:
        try:
            context.update(playback_context(version, "", prefix="console"))
            context["scripted"] = True
        except ScriptError:
            context["scripted"] = False
    return render(request, "moderation/console.html", context)


ACTION_LABELS = {
    "join": "Join the session",
    "leave": "Leave",
    "next_task": "Next task",
    "pause": "Pause",
    "resume": "Resume",
    "end": "End the session",
}


@require_POST
@workspace_view(Role.VIEWER)
def moderated_command(request: WorkspaceRequest, moderated_pk):
    moderated = scoped_session(request, moderated_pk)
    form = CommandForm(request.POST)
    if not form.is_valid():
        return command_answer(request, moderated, "Unknown action.", status=400)
    try:
        services.command(moderated, form.cleaned_data["action"], request.user)
    except machine.NotAllowed as refused:
        return command_answer(request, moderated, str(refused), status=409)
    return command_answer(request, moderated, "")


def command_answer(request, moderated, problem, status=200):
    """JSON for the console's script; a redirect back to the console for a plain form."""
    if request.headers.get("Accept") == "application/json":
        body = {"state": moderated.state}
        if problem:
            body["error"] = problem
        return JsonResponse(body, status=status)
    if problem:
        messages.error(request, problem)
    return redirect("moderated_console", moderated.pk)


@require_GET
@workspace_view(Role.VIEWER)
def moderated_feed(request: WorkspaceRequest, moderated_pk):
    """What happened since the console last asked (JSON): the participant's events after
    `after`, where they are, the session's state and the wizard turn waiting, if any.

    `here=1` says the asking console has joined: it keeps the facilitator present."""
    moderated = scoped_session(request, moderated_pk)
    if request.GET.get("here") == "1" and moderated.facilitator_seen_at is not None:
        services.keep_present(moderated)
    try:
        after = int(request.GET.get("after", "0"))
    except ValueError:
        after = 0
    return JsonResponse(feed(moderated, after, timezone.now()))


@require_GET
@workspace_view(Role.VIEWER)
def moderated_stream(request: WorkspaceRequest, moderated_pk):
    """Server-sent events whenever the participant's session records something or the
    moderation changes: a nudge for the console to read its feed at once. Nothing is replayed
    here; the feed catches up by event id."""
    moderated = scoped_session(request, moderated_pk)
    if moderated.participant_session_id is None:
        return JsonResponse({"error": "The participant has not started yet."}, status=409)
    return channel.stream(
        request, session_topic(moderated.participant_session_id), lambda last_event_id: []
    )


@require_POST
@workspace_view(Role.VIEWER)
def moderated_note(request: WorkspaceRequest, moderated_pk):
    moderated = scoped_session(request, moderated_pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        services.add_note(
            moderated, request.user, form.cleaned_data["text"], form.cleaned_data["tags"]
        )
    elif request.htmx:
        return render(
            request,
            "moderation/console.html#notes",
            notes_context(moderated, form),
            status=400,
        )
    else:
        messages.error(
            request, " ".join(error for errors in form.errors.values() for error in errors)
        )
    if request.htmx:
        return render(request, "moderation/console.html#notes", notes_context(moderated))
    return redirect("moderated_console", moderated.pk)


def notes_context(moderated, form=None):
    return {
        "moderated": moderated,
        "note_form": form or NoteForm(),
        "notes": moderated.notes.select_related("author"),
    }


@require_POST
@workspace_view(Role.DESIGNER)
def facilitator_note_quote(request: WorkspaceRequest, facilitator_note_pk):
    """Quote a facilitator's note in the study's summary, or stop: from the session's replay,
    so only notes of a session that began."""
    note = get_scoped_object_or_404(
        request,
        Note.objects.select_related("moderated").filter(
            moderated__participant_session__isnull=False
        ),
        pk=facilitator_note_pk,
    )
    services.quote(note, request.POST.get("quoted") == "on")
    return redirect("session_replay", session_pk=note.moderated.participant_session_id)


@require_POST
@workspace_view(Role.VIEWER)
def wizard_answer(request: WorkspaceRequest, moderated_pk, turn_pk):
    """The facilitator answers a waiting turn: the next step, or the bot's reply."""
    moderated = scoped_session(request, moderated_pk)
    turn = WizardTurn.objects.filter(moderated=moderated, pk=turn_pk).first()
    if turn is None:
        return JsonResponse({"error": "No such turn."}, status=404)
    form = WizardAnswerForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"error": "The reply is too long."}, status=400)
    try:
        answered = services.answer(
            turn, request.user, form.cleaned_data["target"], form.cleaned_data["reply"]
        )
    except machine.NotAllowed as refused:
        return JsonResponse({"error": str(refused)}, status=409)
    except ScriptError:
        return JsonResponse({"error": "This prototype's script cannot be read."}, status=400)
    return JsonResponse({"turn": answered.outcome()})
