"""Designer pages for scripted flow prototypes: the editor with its live preview, publishing,
playing a flow, routing typed answers, and the plain-text export and import."""

from pathlib import Path

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from prototypes.authoring.models import Device, Prototype, PrototypeVersion
from prototypes.authoring.script_publish import (
    create_scripted_prototype,
    load_flow,
    normalize_newlines,
    playback_context,
    publish_script,
    route_typed_answer,
    save_draft_script,
    step_view,
)
from prototypes.flowscript import MAX_ANSWER_CHARS, MAX_SCRIPT_CHARS, ScriptError, parse, validate
from prototypes.ratelimit import Limit, rate_limited
from prototypes.sessions.models import ParticipantSession
from prototypes.workspaces.access import (
    get_scoped_object_or_404,
    public_view,
    require_workspace,
    workspace_view,
)
from prototypes.workspaces.models import Role

# UTF-8 needs at most four bytes a character.
MAX_IMPORT_BYTES = MAX_SCRIPT_CHARS * 4
# A participant types a handful of answers a minute; this only stops a runaway client.
ROUTING = Limit("script-route", requests=120, seconds=60)

# What a new, empty script starts from: one of each kind of line worth knowing.
STARTER_SCRIPT = """title: My flow

# A step starts with '=='; the first step is where participants start.
== start: Welcome [chat]
bot: Hi! How can I help you today?
> Track my order -> track
> Something else -> help
# Typed answers: keywords, a /pattern/, or * for anything else.
? track, where, order -> track
? * -> help

== track: Your order
Your parcel arrives tomorrow.
> Thanks! -> done

== help: Talk to us [failure]
bot: A colleague will answer you shortly.

== done: All done [success]
bot: Glad I could help!
"""


def script_error_text(error):
    return f"Line {error.line}, column {error.column}: {error.message}"


class ScriptForm(forms.Form):
    # An empty script is refused by the parser, with its own explanation.
    script = forms.CharField(
        required=False,
        strip=False,
        max_length=MAX_SCRIPT_CHARS,
        widget=forms.Textarea(
            attrs={
                "rows": 24,
                "wrap": "off",
                "spellcheck": "false",
                "autocapitalize": "off",
                "class": "script-text",
            }
        ),
    )
    note = forms.CharField(
        label="Version note",
        required=False,
        max_length=PrototypeVersion._meta.get_field("note").max_length,
        help_text="Optional, shown with the published version (for example: “shorter greeting”).",
    )


class ScriptImportForm(forms.Form):
    file = forms.FileField(
        label="Flow script file (.flow or .txt, UTF-8)",
        widget=forms.FileInput(attrs={"accept": ".flow,.txt,text/plain"}),
    )
    name = forms.CharField(
        label="Prototype name",
        required=False,
        max_length=Prototype._meta.get_field("name").max_length,
        help_text="Leave empty to use the script's title or the file name.",
    )
    device = forms.ChoiceField(choices=Device.choices, initial=Device.PHONE)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {MAX_IMPORT_BYTES // 1_000_000} MB; "
                "a flow script is plain text of a few kilobytes."
            )
        data = upload.read()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n") + 1
            raise forms.ValidationError(
                f"The file is not UTF-8 text (line {line}: byte {data[error.start]:#04x} "
                "cannot be read). Save it as UTF-8 and try again."
            ) from None
        if "\x00" in text:
            raise forms.ValidationError("The file contains NUL characters; it is not a text file.")
        text = normalize_newlines(text)
        try:
            self.flow = parse(text)
        except ScriptError as error:
            raise forms.ValidationError(script_error_text(error)) from None
        self.script = text
        return upload

    def prototype_name(self):
        name = self.cleaned_data["name"].strip() or self.flow.title
        if not name:
            name = Path(self.cleaned_data["file"].name).stem.replace("_", " ").strip()
        limit = Prototype._meta.get_field("name").max_length
        return (name or "Imported flow")[:limit]


def scripted_prototype(request, prototype_pk):
    """The scripted prototype `prototype_pk` of the user's workspaces, or None for a paper one."""
    prototype = get_scoped_object_or_404(request, Prototype, pk=prototype_pk)
    if prototype.kind != Prototype.Kind.SCRIPTED:
        return None
    return prototype


def not_scripted(request, prototype_pk):
    messages.info(request, "This prototype is made of paper screens, not a flow script.")
    return redirect("prototype_detail", prototype_pk=prototype_pk)


def preview_context(prototype, text, selected=None):
    """What the preview shows for `text`: the error, or the warnings and the selected step."""
    try:
        # Not load_flow: every keystroke is a new text, which would push the stored scripts that
        # participants are playing out of its cache.
        flow = parse(normalize_newlines(text))
    except ScriptError as error:
        return {"prototype": prototype, "error": error}
    names = [step.name for step in flow.steps]
    step = flow.step(selected if selected in names else flow.start)
    return {
        "prototype": prototype,
        "flow": flow,
        "warnings": validate(flow),
        "selected": step_view(step, prefix="preview"),
        "device": prototype.device,
        "aspect_ratio": prototype.aspect_ratio,
    }


def render_editor(request, prototype, form, status=200):
    text = form.data.get("script", "") if form.is_bound else form.initial.get("script", "")
    context = preview_context(prototype, text)
    context.update({"form": form, "published": prototype.published_versions()})
    return render(request, "scripted/editor.html", context, status=status)


@workspace_view(Role.DESIGNER)
def script_editor(request, prototype_pk):
    prototype = scripted_prototype(request, prototype_pk)
    if prototype is None:
        return not_scripted(request, prototype_pk)
    if request.method != "POST":
        script = prototype.draft.script
        if not script.strip():
            script = STARTER_SCRIPT
            messages.info(request, "An example to start from: it is kept once you save.")
        return render_editor(request, prototype, ScriptForm(initial={"script": script}))
    form = ScriptForm(request.POST)
    if form.is_valid():
        try:
            save_draft_script(prototype, form.cleaned_data["script"])
        except ScriptError as error:
            form.add_error("script", f"Not saved. {script_error_text(error)}")
        else:
            messages.success(request, "Script saved.")
            return redirect("script_editor", prototype_pk=prototype.pk)
    return render_editor(request, prototype, form)


@require_POST
@workspace_view(Role.DESIGNER)
def script_preview(request, prototype_pk):
    prototype = scripted_prototype(request, prototype_pk)
    if prototype is None:
        return not_scripted(request, prototype_pk)
    context = preview_context(prototype, request.POST.get("script", ""), request.POST.get("step"))
    return render(request, "scripted/editor.html#preview", context)


@require_POST
@workspace_view(Role.DESIGNER)
def script_publish(request, prototype_pk):
    """Save the posted script (the stored draft's when none is posted) and publish it, all or
    nothing."""
    prototype = scripted_prototype(request, prototype_pk)
    if prototype is None:
        return not_scripted(request, prototype_pk)
    data = request.POST.copy()
    data.setdefault("script", prototype.draft.script)
    form = ScriptForm(data)
    if not form.is_valid():
        return render_editor(request, prototype, form)
    try:
        with transaction.atomic():
            save_draft_script(prototype, form.cleaned_data["script"])
            version = publish_script(prototype, request.user, form.cleaned_data["note"])
    except ScriptError as error:
        form.add_error("script", f"Not published. {script_error_text(error)}")
        return render_editor(request, prototype, form)
    count = len(validate(load_flow(version.script)))
    if count:
        messages.warning(
            request,
            f"Published {version.label} with {count} warning{'s' if count > 1 else ''}: "
            "participants may get stuck where the warnings point.",
        )
    else:
        messages.success(request, f"Published {version.label}. It can now be used in a study.")
    return redirect("script_editor", prototype_pk=prototype.pk)


def requested_version(request, prototype):
    """The version named by ?version=<number> (the draft when absent)."""
    number = request.GET.get("version", "")
    if not number:
        return prototype.draft
    if not number.isdigit():
        raise Http404("No such version.")
    version = prototype.versions.filter(number=int(number)).first()
    if version is None:
        raise Http404("No such version.")
    return version


@require_GET
@workspace_view(Role.VIEWER)
def script_play(request, prototype_pk):
    prototype = scripted_prototype(request, prototype_pk)
    if prototype is None:
        return not_scripted(request, prototype_pk)
    version = requested_version(request, prototype)
    context = {
        "prototype": prototype,
        "version": version,
        "published": prototype.published_versions(),
        "can_edit": request.memberships[prototype.workspace_id].role != Role.VIEWER,
    }
    try:
        context.update(
            playback_context(version, reverse("script_preview_route", args=[version.pk]))
        )
    except ScriptError as error:
        context["error"] = error
    return render(request, "scripted/play.html", context)


def scripted_version(request, version_pk):
    version = get_scoped_object_or_404(
        request, PrototypeVersion.objects.select_related("prototype"), pk=version_pk
    )
    if version.prototype.kind != Prototype.Kind.SCRIPTED:
        return None
    return version


@require_GET
@workspace_view(Role.VIEWER)
def script_flow_json(request, version_pk):
    """The JSON description script-player.js plays (see playback_context)."""
    version = scripted_version(request, version_pk)
    if version is None:
        return JsonResponse({"error": "This prototype is not a scripted flow."}, status=400)
    try:
        context = playback_context(version, reverse("script_preview_route", args=[version.pk]))
    except ScriptError as error:
        return JsonResponse({"error": script_error_text(error)}, status=400)
    return JsonResponse(context["flow_description"])


def route_response(version, post):
    step = post.get("step", "")
    text = post.get("text", "")
    if not step:
        return JsonResponse({"error": "Say which step the answer was typed on."}, status=400)
    try:
        target = route_typed_answer(version, step, text[:MAX_ANSWER_CHARS])
    except ScriptError as error:
        return JsonResponse({"error": script_error_text(error)}, status=400)
    except KeyError:
        return JsonResponse({"error": f"There is no step named {step!r}."}, status=400)
    return JsonResponse({"target": target})


@require_POST
@workspace_view(Role.VIEWER)
def script_preview_route(request, version_pk):
    """Where a typed answer leads, for designers trying a flow (nothing is recorded)."""
    version = scripted_version(request, version_pk)
    if version is None:
        return JsonResponse({"error": "This prototype is not a scripted flow."}, status=400)
    return route_response(version, request.POST)


def session_token(request, token):
    return token


# Routing changes nothing on the server and the session token in the URL is the credential, so
# the participant's browser needs no CSRF token here.
@require_POST
@csrf_exempt
@public_view
@rate_limited(ROUTING, key=session_token, as_json=True)
def script_route(request, token):
    """Where a typed answer leads, for a participant of an open session (by its token)."""
    session = (
        ParticipantSession.objects.select_related("study__prototype_version__prototype")
        .filter(token=token)
        .first()
    )
    if session is None or not session.is_open:
        return JsonResponse({"error": "This session is over or does not exist."}, status=404)
    return route_response(session.study.prototype_version, request.POST)


@require_GET
@workspace_view(Role.VIEWER)
def script_export(request, prototype_pk):
    prototype = scripted_prototype(request, prototype_pk)
    if prototype is None:
        return not_scripted(request, prototype_pk)
    version = requested_version(request, prototype)
    name = slugify(prototype.name) or "flow"
    if not version.is_draft:
        name += f"-{version.label}"
    response = HttpResponse(version.script, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.flow"'
    return response


@workspace_view(Role.DESIGNER)
def script_import(request):
    workspace = require_workspace(request)
    form = ScriptImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        prototype = create_scripted_prototype(
            workspace,
            request.user,
            form.prototype_name(),
            form.script,
            form.cleaned_data["device"],
        )
        messages.success(request, f"Imported “{prototype.name}”.")
        return redirect("script_editor", prototype_pk=prototype.pk)
    return render(request, "scripted/import.html", {"form": form, "workspace": workspace})
