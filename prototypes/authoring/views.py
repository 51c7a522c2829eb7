from django.conf import settings
from django.contrib import messages
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count, OuterRef, ProtectedError, Q, Subquery
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django_htmx.http import trigger_client_event

from prototypes import imaging
from prototypes.authoring import history, shared
from prototypes.authoring import screens as screen_service
from prototypes.authoring.exchange import (
    ExportRefused,
    ImportRefused,
    export_filename,
    export_version,
    import_prototype,
)
from prototypes.authoring.flowmap import build_flow_map, highlight_path
from prototypes.authoring.forms import (
    HotspotForm,
    ImportForm,
    PlaceForm,
    PrototypeEditForm,
    PrototypeForm,
    ScreenNameForm,
    ShareForm,
)
from prototypes.authoring.models import (
    Hotspot,
    Prototype,
    PrototypeVersion,
    Screen,
    SharedHotspotSet,
)
from prototypes.authoring.script_views import script_publish
from prototypes.workspaces.access import (
    get_scoped_object_or_404,
    require_workspace,
    workspace_view,
)
from prototypes.workspaces.models import ROLE_RANK, Role


def can_edit(request, workspace_id):
    membership = request.memberships.get(workspace_id)
    return membership is not None and ROLE_RANK[membership.role] >= ROLE_RANK[Role.DESIGNER]


def wants_json(request):
    # upload.js asks for JSON; a plain form post gets a redirect and a message.
    return request.headers.get("Accept", "").startswith("application/json")


def draft_screens():
    return Screen.objects.filter(version__number=0).select_related("version__prototype")


def chosen_version(request, prototype):
    """The version named by ?version=N (1, 2, …), or the draft."""
    number = request.GET.get("version", "")
    if not number:
        return prototype.draft
    if not number.isdigit():
        raise Http404("No such version.")
    version = prototype.versions.filter(number=int(number)).first()
    if version is None:
        raise Http404("No such version.")
    return version


# Prototypes


@workspace_view(Role.VIEWER)
def prototype_list(request):
    workspace = require_workspace(request)
    cover = Screen.objects.filter(
        version__prototype=OuterRef("pk"), version__number=0, status=Screen.Status.READY
    ).order_by("position", "id")
    prototypes = list(
        Prototype.objects.filter(workspace=workspace).annotate(
            screen_count=Count("versions__screens", filter=Q(versions__number=0), distinct=True),
            published_count=Count("versions", filter=Q(versions__number__gt=0), distinct=True),
            cover=Subquery(cover.values("thumbnail")[:1]),
        )
    )
    for prototype in prototypes:
        prototype.cover_url = default_storage.url(prototype.cover) if prototype.cover else ""
    return render(
        request,
        "authoring/prototype_list.html",
        {"prototypes": prototypes, "can_edit": can_edit(request, workspace.pk)},
    )


@workspace_view(Role.DESIGNER)
def prototype_create(request):
    workspace = require_workspace(request)
    form = PrototypeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            prototype = form.save(commit=False)
            prototype.workspace = workspace
            prototype.created_by = request.user
            prototype.save()
            prototype.draft  # noqa: B018 - creates the draft version
        messages.success(request, f"Prototype “{prototype.name}” created.")
        if prototype.kind == Prototype.Kind.SCRIPTED:
            return redirect("script_editor", prototype.pk)
        if prototype.kind == Prototype.Kind.TREE:
            return redirect("tree_editor", prototype.pk)
        return redirect("prototype_detail", prototype.pk)
    return render(request, "authoring/prototype_form.html", {"form": form, "creating": True})


@workspace_view(Role.VIEWER)
def prototype_detail(request, prototype_pk):
    prototype = get_scoped_object_or_404(request, Prototype, pk=prototype_pk)
    if prototype.kind == Prototype.Kind.SCRIPTED:
        # A scripted prototype is written, not uploaded: its page is the script editor.
        editor = "script_editor" if can_edit(request, prototype.workspace_id) else "script_play"
        return redirect(editor, prototype.pk)
    if prototype.kind == Prototype.Kind.TREE:
        return redirect("tree_editor", prototype.pk)
    draft = prototype.draft
    versions = (
        prototype.versions.filter(number__gt=0)
        .annotate(screen_count=Count("screens"))
        .select_related("published_by")
        .order_by("-number")
    )
    context = grid_context(request, prototype, draft)
    context.update(
        {
            "versions": versions,
            "accepted": imaging.ACCEPTED_DESCRIPTION,
            "max_bytes": settings.UPLOAD_MAX_BYTES,
        }
    )
    return render(request, "authoring/prototype_detail.html", context)


def grid_context(request, prototype, draft):
    screens = list(draft.screens.annotate(hotspot_count=Count("hotspots")))
    for number, screen in enumerate(screens, start=1):
        screen.number = number
        screen.is_first = number == 1
        screen.is_last = number == len(screens)
    return {
        "prototype": prototype,
        "draft": draft,
        "screens": screens,
        "can_edit": can_edit(request, prototype.workspace_id),
        "accept": screen_service.ACCEPT_ATTRIBUTE,
    }


@workspace_view(Role.VIEWER)
def screen_grid(request, prototype_pk):
    prototype = get_scoped_object_or_404(request, Prototype, pk=prototype_pk)
    context = grid_context(request, prototype, prototype.draft)
    return render(request, "authoring/prototype_detail.html#screen_grid", context)


@workspace_view(Role.DESIGNER)
def prototype_edit(request, prototype_pk):
    prototype = get_scoped_object_or_404(request, Prototype, pk=prototype_pk)
    form = PrototypeEditForm(request.POST or None, instance=prototype)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Prototype details saved.")
        return redirect("prototype_detail", prototype.pk)
    return render(request, "authoring/prototype_form.html", {"form": form, "prototype": prototype})


@workspace_view(Role.DESIGNER)
def prototype_delete(request, prototype_pk):
    prototype = get_scoped_object_or_404(request, Prototype, pk=prototype_pk)
    if request.method == "POST":
        try:
            screen_service.delete_prototype(prototype)
        except ProtectedError:
            studies = prototype.versions.filter(studies__isnull=False).values_list(
                "studies__title", flat=True
            )
            messages.error(
                request,
                "This prototype is used by studies ("
                + ", ".join(sorted(set(studies)))
                + "); delete those studies first.",
            )
            return redirect("prototype_detail", prototype.pk)
        messages.success(request, f"Prototype “{prototype.name}” deleted.")
        return redirect("prototype_list")
    return render(request, "authoring/prototype_confirm_delete.html", {"prototype": prototype})


@require_POST
@workspace_view(Role.DESIGNER)
def prototype_publish(request, prototype_pk):
    prototype = get_scoped_object_or_404(request, Prototype, pk=prototype_pk)
    if prototype.kind == Prototype.Kind.SCRIPTED:
        return script_publish(request, prototype_pk=prototype.pk)
    with transaction.atomic():
        # Locking the prototype first keeps an upload from slipping in between check and copy.
        Prototype.objects.select_for_update().get(pk=prototype.pk)
        draft = prototype.draft
        problems = screen_service.publish_problems(draft)
        if not problems:
            version = draft.publish(user=request.user, note=request.POST.get("note", "")[:200])
    if problems:
        messages.error(request, "Not published: " + " ".join(problems))
    else:
        messages.success(
            request,
            f"Published {version.label}. It will not change; further edits go to the draft.",
        )
    return redirect("prototype_detail", prototype.pk)


# Screens


@require_POST
@workspace_view(Role.DESIGNER)
def screen_upload(request, prototype_pk):
    prototype = get_scoped_object_or_404(request, Prototype, pk=prototype_pk)
    files = request.FILES.getlist("files")
    try:
        if not files:
            raise screen_service.UploadRefused("Choose at least one file to upload.")
        created = screen_service.add_screens(
            prototype.draft, files, clean_paper=bool(request.POST.get("clean_paper"))
        )
    except screen_service.UploadRefused as refusal:
        if wants_json(request):
            return JsonResponse({"error": refusal.message}, status=400)
        messages.error(request, refusal.message)
        return redirect("prototype_detail", prototype.pk)
    if wants_json(request):
        return JsonResponse(
            {"screens": [{"id": screen.pk, "name": screen.name} for screen in created]},
            status=201,
        )
    messages.success(
        request,
        f"{len(created)} file{'s' if len(created) != 1 else ''} uploaded. "
        "Screens appear below as soon as they are processed.",
    )
    return redirect("prototype_detail", prototype.pk)


@workspace_view(Role.VIEWER)
def screen_card(request, screen_pk):
    screen = get_scoped_object_or_404(request, draft_screens(), pk=screen_pk)
    ids = list(screen.version.screens.values_list("pk", flat=True))
    screen.number = ids.index(screen.pk) + 1
    screen.is_first = screen.number == 1
    screen.is_last = screen.number == len(ids)
    screen.hotspot_count = screen.hotspots.count()
    response = render(
        request,
        "authoring/prototype_detail.html#screen_card",
        {
            "screen": screen,
            "prototype": screen.version.prototype,
            "can_edit": can_edit(request, screen.version.prototype.workspace_id),
            "accept": screen_service.ACCEPT_ATTRIBUTE,
        },
    )
    if screen.status != Screen.Status.PROCESSING and screen.page_number == 1 and screen.upload:
        later_pages = screen.version.screens.filter(upload=screen.upload.name, page_number__gt=1)
        if later_pages.exists():
            # A PDF became several screens: the whole grid has to show them.
            trigger_client_event(response, "screens-changed")
    return response


def card_or_grid_response(request, screen, grid=False):
    prototype = screen.version.prototype
    if request.htmx:
        context = grid_context(request, prototype, screen.version)
        if grid:
            return render(request, "authoring/prototype_detail.html#screen_grid", context)
        context["screen"] = next(item for item in context["screens"] if item.pk == screen.pk)
        return render(request, "authoring/prototype_detail.html#screen_card", context)
    return redirect("prototype_detail", prototype.pk)


@require_POST
@workspace_view(Role.DESIGNER)
def screen_rename(request, screen_pk):
    screen = get_scoped_object_or_404(request, draft_screens(), pk=screen_pk)
    form = ScreenNameForm(request.POST, instance=screen)
    if form.is_valid():
        form.save()
        screen_service.touch(screen.version.prototype_id)
        if not request.htmx:
            messages.success(request, f"Screen renamed to “{screen.name}”.")
    else:
        screen.refresh_from_db()
        messages.error(request, "A screen needs a name of at most 120 characters.")
    return card_or_grid_response(request, screen)


@require_POST
@workspace_view(Role.DESIGNER)
def screen_move(request, screen_pk):
    screen = get_scoped_object_or_404(request, draft_screens(), pk=screen_pk)
    screen_service.move(screen, -1 if request.POST.get("direction") == "up" else 1)
    return card_or_grid_response(request, screen, grid=True)


@require_POST
@workspace_view(Role.DESIGNER)
def screen_reorder(request, prototype_pk):
    prototype = get_scoped_object_or_404(request, Prototype, pk=prototype_pk)
    draft = prototype.draft
    try:
        order = [int(value) for value in request.POST.get("order", "").split(",") if value]
        screen_service.reorder(draft, order)
    except ValueError:
        messages.error(request, "The screens changed meanwhile; the order was not saved.")
    if request.htmx:
        return render(
            request,
            "authoring/prototype_detail.html#screen_grid",
            grid_context(request, prototype, draft),
        )
    return redirect("prototype_detail", prototype.pk)


@require_POST
@workspace_view(Role.DESIGNER)
def screen_replace(request, screen_pk):
    screen = get_scoped_object_or_404(request, draft_screens(), pk=screen_pk)
    file = request.FILES.get("file")
    try:
        if file is None:
            raise screen_service.UploadRefused("Choose the new image for this screen.")
        screen_service.replace_image(
            screen, file, clean_paper=bool(request.POST.get("clean_paper"))
        )
    except screen_service.UploadRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, f"New image for “{screen.name}” is being processed.")
    return redirect("prototype_detail", screen.version.prototype_id)


@require_POST
@workspace_view(Role.DESIGNER)
def screen_delete(request, screen_pk):
    screen = get_scoped_object_or_404(request, draft_screens(), pk=screen_pk)
    try:
        screen_service.delete_screen(screen)
    except ProtectedError:
        messages.error(request, f"“{screen.name}” is used by a study and cannot be deleted.")
    else:
        messages.success(request, f"Screen “{screen.name}” deleted.")
    return redirect("prototype_detail", screen.version.prototype_id)


# Hotspot editor


@workspace_view(Role.DESIGNER)
def screen_editor(request, screen_pk):
    screen = get_scoped_object_or_404(request, draft_screens(), pk=screen_pk)
    return render(request, "authoring/screen_editor.html", editor_context(request, screen))


def editor_context(request, screen, bound_form=None, saved=""):
    """The editor's forms; `bound_form` (with errors) takes the place of the one it was for."""
    screens = list(
        screen.version.screens.only("pk", "name", "position", "version_id", "thumbnail", "status")
    )
    forms = []
    for hotspot in screen.hotspots.select_related("shared_set", "target"):
        prefix = f"hotspot-{hotspot.pk}"
        if bound_form is not None and getattr(bound_form, "prefix", None) == prefix:
            forms.append(bound_form)
        else:
            forms.append(HotspotForm(instance=hotspot, screens=screens, prefix=prefix))
    if bound_form is not None and getattr(bound_form, "prefix", None) == "new":
        new_form = bound_form
    else:
        new_form = HotspotForm(screens=screens, prefix="new")
    share_form = bound_form if isinstance(bound_form, ShareForm) else ShareForm(screen=screen)
    index = next(i for i, item in enumerate(screens) if item.pk == screen.pk)
    undo, redo = history.labels(request, screen)
    return {
        "screen": screen,
        "screens": screens,
        "prototype": screen.version.prototype,
        "hotspot_forms": forms,
        "new_form": new_form,
        "share_form": share_form,
        "shared_sets": shared_sets_context(screen),
        "previous_screen": screens[index - 1] if index > 0 else None,
        "next_screen": screens[index + 1] if index + 1 < len(screens) else None,
        "undo_label": undo,
        "redo_label": redo,
        "saved": saved,
    }


def shared_sets_context(screen):
    """The draft's shared sets, each with a form for the screens it is on."""
    sets = list(
        SharedHotspotSet.objects.filter(version=screen.version_id).prefetch_related("hotspots")
    )
    for shared_set in sets:
        on = sorted({hotspot.screen_id for hotspot in shared_set.hotspots.all()})
        shared_set.screen_count = len(on)
        shared_set.labels = sorted({hotspot.label for hotspot in shared_set.hotspots.all()})
        shared_set.place_form = PlaceForm(
            shared_set=shared_set, initial={"screens": on}, prefix=f"set-{shared_set.pk}"
        )
    return sets


def editor_response(request, screen, form=None, saved=""):
    if request.htmx:
        context = editor_context(request, screen, bound_form=form, saved=saved)
        return render(request, "authoring/screen_editor.html#hotspot_panel", context)
    if form is not None:
        context = editor_context(request, screen, bound_form=form)
        return render(request, "authoring/screen_editor.html", context, status=400)
    if saved:
        messages.success(request, saved)
    return redirect("screen_editor", screen.pk)


def ready_draft_screen(request, screen_pk):
    screen = get_scoped_object_or_404(request, draft_screens(), pk=screen_pk)
    if not screen.is_ready:
        raise Http404("Hotspots can be drawn once the screen is processed.")
    return screen


def hotspot_screens(screen):
    return list(screen.version.screens.only("pk", "name", "position", "version_id"))


def draft_hotspot(request, hotspot_pk):
    return get_scoped_object_or_404(
        request,
        Hotspot.objects.filter(screen__version__number=0).select_related(
            "screen__version__prototype"
        ),
        pk=hotspot_pk,
    )


@require_POST
@workspace_view(Role.DESIGNER)
def hotspot_create(request, screen_pk):
    screen = ready_draft_screen(request, screen_pk)
    form = HotspotForm(
        request.POST,
        instance=Hotspot(screen=screen, position=screen.hotspots.count()),
        screens=hotspot_screens(screen),
        prefix="new",
    )
    if not form.is_valid():
        return editor_response(request, screen, form)
    with history.record(request, screen, f"add “{form.cleaned_data['label']}”"):
        hotspot = form.save()
    screen_service.touch(screen.version.prototype_id)
    return editor_response(request, screen, saved=f"Hotspot “{hotspot.label}” added.")


@require_POST
@workspace_view(Role.DESIGNER)
def hotspot_update(request, hotspot_pk):
    hotspot = draft_hotspot(request, hotspot_pk)
    screen = hotspot.screen
    change = f"change “{hotspot.label}”"
    form = HotspotForm(
        request.POST,
        instance=hotspot,
        screens=hotspot_screens(screen),
        prefix=f"hotspot-{hotspot.pk}",
    )
    if not form.is_valid():
        return editor_response(request, screen, form)
    with history.record(request, screen, change):
        form.save()
        shared.update_copies(hotspot)
    screen_service.touch(screen.version.prototype_id)
    where = " on every screen it is shared on" if hotspot.shared_set_id else ""
    return editor_response(request, screen, saved=f"Hotspot “{hotspot.label}” saved{where}.")


@require_POST
@workspace_view(Role.DESIGNER)
def hotspot_delete(request, hotspot_pk):
    hotspot = draft_hotspot(request, hotspot_pk)
    with history.record(request, hotspot.screen, f"delete “{hotspot.label}”"):
        shared.delete(hotspot)
    screen_service.touch(hotspot.screen.version.prototype_id)
    return editor_response(request, hotspot.screen, saved=f"Hotspot “{hotspot.label}” deleted.")


@require_POST
@workspace_view(Role.DESIGNER)
def hotspot_share(request, screen_pk):
    screen = ready_draft_screen(request, screen_pk)
    form = ShareForm(request.POST, screen=screen)
    if not form.is_valid():
        return editor_response(request, screen, form)
    data = form.cleaned_data
    with history.record(request, screen, f"share “{data['name']}”"):
        shared.share(data["hotspots"], data["screens"], data["name"])
    screen_service.touch(screen.version.prototype_id)
    count = len(data["screens"]) + 1
    return editor_response(
        request, screen, saved=f"“{data['name']}” is now on {count} screens; edit it on any."
    )


@require_POST
@workspace_view(Role.DESIGNER)
def shared_set_place(request, screen_pk, shared_set_pk):
    screen = get_scoped_object_or_404(request, draft_screens(), pk=screen_pk)
    shared_set = get_scoped_object_or_404(
        request, SharedHotspotSet.objects.filter(version=screen.version_id), pk=shared_set_pk
    )
    form = PlaceForm(request.POST, shared_set=shared_set, prefix=f"set-{shared_set.pk}")
    if not form.is_valid():
        return editor_response(request, screen, saved="Choose screens of this prototype.")
    with history.record(request, screen, f"place “{shared_set.name}”"):
        shared.place(shared_set, form.cleaned_data["screens"])
    screen_service.touch(screen.version.prototype_id)
    count = len(form.cleaned_data["screens"])
    saved = f"“{shared_set.name}” is now on {count} screen{'s' if count != 1 else ''}."
    if not count:
        saved = f"“{shared_set.name}” removed from every screen."
    return editor_response(request, screen, saved=saved)


@require_POST
@workspace_view(Role.DESIGNER)
def hotspot_undo(request, screen_pk):
    return history_step(request, screen_pk, "undo")


@require_POST
@workspace_view(Role.DESIGNER)
def hotspot_redo(request, screen_pk):
    return history_step(request, screen_pk, "redo")


def history_step(request, screen_pk, direction):
    screen = get_scoped_object_or_404(request, draft_screens(), pk=screen_pk)
    label = history.step(request, screen, direction)
    if not label:
        return editor_response(request, screen, saved=f"Nothing to {direction}.")
    screen_service.touch(screen.version.prototype_id)
    done = "Undone" if direction == "undo" else "Redone"
    return editor_response(request, screen, saved=f"{done}: {label}.")


# Flow map, preview, export and import


@workspace_view(Role.VIEWER)
def prototype_flow_map(request, prototype_pk):
    prototype = get_scoped_object_or_404(request, Prototype, pk=prototype_pk)
    version = chosen_version(request, prototype)
    screens = list(version.screens.all())
    hotspots = list(
        Hotspot.objects.filter(screen__version=version).select_related("shared_set").order_by("pk")
    )
    paths = task_paths(prototype, screens)
    chosen = request.GET.get("task", "")
    highlight = next((path for path in paths if str(path["task"].pk) == chosen), None)
    flow = build_flow_map(screens, hotspots, prototype.device)
    if highlight:
        highlight_path(flow, highlight["screens"])
    return render(
        request,
        "authoring/flow_map.html",
        {
            "prototype": prototype,
            "version": version,
            "versions": prototype.versions.order_by("number"),
            "flow": flow,
            "can_edit": can_edit(request, prototype.workspace_id),
            "task_paths": paths,
            "highlight": highlight,
        },
    )


def task_paths(prototype, screens):
    """Each task's expected path over `screens`, for studies of any version of the prototype:
    screens are matched by their key, which a screen keeps from draft to published copies."""
    # Through reverse relations: studies sit above authoring, which imports nothing of theirs.
    tasks = sorted(
        (
            task
            for version in prototype.versions.prefetch_related("studies__tasks")
            for study in version.studies.all()
            for task in study.tasks.all()
            if task.expected_path
        ),
        key=lambda task: (task.study.title, task.position),
    )
    keys = dict(
        Screen.objects.filter(
            pk__in={pk for task in tasks for pk in task.expected_path}
        ).values_list("pk", "key")
    )
    here = {screen.key: screen.pk for screen in screens}
    paths = []
    for task in tasks:
        path = [here.get(keys.get(pk)) for pk in task.expected_path]
        if path and None not in path:
            paths.append({"task": task, "screens": path, "ids": ",".join(map(str, path))})
    return paths


@workspace_view(Role.VIEWER)
def prototype_preview(request, prototype_pk):
    """Play a version as a participant would, recording nothing."""
    prototype = get_scoped_object_or_404(request, Prototype, pk=prototype_pk)
    version = chosen_version(request, prototype)
    screens = list(version.screens.filter(status=Screen.Status.READY).prefetch_related("hotspots"))
    return render(
        request,
        "authoring/preview.html",
        {
            "prototype": prototype,
            "version": version,
            "versions": prototype.versions.order_by("number"),
            "screens": screens,
            "start_screen": screens[0] if screens else None,
            "skipped": version.screens.exclude(status=Screen.Status.READY).count(),
        },
    )


@workspace_view(Role.VIEWER)
def version_export(request, version_pk):
    version = get_scoped_object_or_404(
        request, PrototypeVersion.objects.select_related("prototype"), pk=version_pk
    )
    try:
        data = export_version(version)
    except ExportRefused as refusal:
        messages.error(request, f"Not exported: {refusal}")
        return redirect("prototype_detail", version.prototype_id)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{export_filename(version)}"'
    return response


@workspace_view(Role.DESIGNER)
def prototype_import(request):
    workspace = require_workspace(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            prototype = import_prototype(workspace, request.user, form.cleaned_data["file"])
        except ImportRefused as refusal:
            form.add_error("file", str(refusal))
        else:
            messages.success(
                request,
                f"Imported “{prototype.name}” as a new draft. Its screens are being processed.",
            )
            return redirect("prototype_detail", prototype.pk)
    return render(request, "authoring/prototype_import.html", {"form": form})
