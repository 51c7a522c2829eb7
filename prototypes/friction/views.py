"""The evidence inbox, its imports and its friction themes (designer side)."""

from django.contrib import messages
from django.db import transaction
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from prototypes.friction import exports, services
from prototypes.friction.forms import (
    EraseForm,
    ItemForm,
    MappingForm,
    MergeForm,
    MoveForm,
    NotesForm,
    OverrideForm,
    RenameForm,
    UploadForm,
)
from prototypes.friction.models import EvidenceImport, Item, Theme
from prototypes.friction.tasks import import_evidence
from prototypes.jobs import enqueue
from prototypes.workspaces.access import (
    get_scoped_object_or_404,
    require_workspace,
    workspace_view,
)
from prototypes.workspaces.models import Role

ITEMS_SHOWN = 200


def _posted(request):
    return request.POST if request.method == "POST" else None


@workspace_view(Role.VIEWER)
def inbox(request):
    workspace = require_workspace(request)
    themes = list(Theme.objects.filter(workspace=workspace).order_by("-score", "pk"))
    counts = Item.objects.filter(workspace=workspace).aggregate(
        items=Count("pk"), folded=Count("pk", filter=Q(duplicate_of__isnull=False))
    )
    return render(
        request,
        "friction/inbox.html",
        {
            "themes": themes,
            "top": services.top_three(workspace),
            "counts": counts,
            "unthemed": services.unthemed(workspace).count(),
            "imports": EvidenceImport.objects.filter(workspace=workspace).defer("data")[:5],
            "upload_form": UploadForm(),
            "item_form": ItemForm(),
            "notes_form": NotesForm(),
        },
    )


@workspace_view(Role.DESIGNER)
def evidence_upload(request):
    workspace = require_workspace(request)
    form = UploadForm(_posted(request), request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            staged = services.stage(workspace, request.user, form.cleaned_data["file"])
        except exports.ExportRefused as error:
            form.add_error("file", str(error))
        else:
            return redirect("evidence_mapping", staged.pk)
    return render(request, "friction/upload.html", {"form": form})


@workspace_view(Role.DESIGNER)
def evidence_mapping(request, evidence_import_pk):
    staged = get_scoped_object_or_404(request, EvidenceImport, pk=evidence_import_pk)
    # Started or imported: its status page says how far it got. A refused one can be mapped again.
    if staged.status not in (EvidenceImport.Status.STAGED, EvidenceImport.Status.FAILED):
        return redirect("evidence_import_status", staged.pk)
    form = MappingForm(_posted(request), columns=staged.columns, initial=staged.mapping)
    if request.method == "POST" and form.is_valid():
        mapping = {name: column for name, column in form.cleaned_data.items() if column}
        with transaction.atomic():
            EvidenceImport.objects.filter(pk=staged.pk).update(
                mapping=mapping,
                status=EvidenceImport.Status.PENDING,
                step="",
                rows_read=0,
                error="",
            )
            enqueue(import_evidence, staged.pk)
        return redirect("evidence_import_status", staged.pk)
    layout = exports.LAYOUTS_BY_KEY.get(staged.layout)
    return render(
        request,
        "friction/mapping.html",
        {"staged": staged, "form": form, "layout": layout},
    )


@require_GET
@workspace_view(Role.VIEWER)
def evidence_import_status(request, evidence_import_pk):
    """How far an import got; the page polls its own partial until the import is finished."""
    evidence_import = get_scoped_object_or_404(
        request, EvidenceImport.objects.defer("data"), pk=evidence_import_pk
    )
    if evidence_import.status == EvidenceImport.Status.STAGED:
        return redirect("evidence_mapping", evidence_import.pk)
    template = "friction/import_status.html"
    if request.htmx:
        template += "#status"
    return render(request, template, {"evidence_import": evidence_import})


@workspace_view(Role.DESIGNER)
def item_add(request):
    workspace = require_workspace(request)
    form = ItemForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        row = exports.Row(
            line=1,
            text=data["text"],
            date=exports.parse_date(data["happened_at"].isoformat())
            if data["happened_at"]
            else None,
            rating=data["rating"],
            segment=data["segment"],
            link=data["link"],
        )
        services.add_items(workspace, [row], data["source"])
        messages.success(request, "Item added to the inbox.")
        return redirect("friction_inbox")
    return render(request, "friction/form_page.html", {"form": form, "title": "Add an item"})


@workspace_view(Role.DESIGNER)
def notes_paste(request):
    workspace = require_workspace(request)
    form = NotesForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        rows = [
            exports.Row(line=i + 1, text=text, segment=data["segment"])
            for i, text in enumerate(services.split_notes(data["notes"]))
        ]
        result = services.add_items(workspace, rows, data["source"])
        messages.success(request, f"{result['imported']} note(s) added to the inbox.")
        return redirect("friction_inbox")
    return render(
        request, "friction/form_page.html", {"form": form, "title": "Paste interview notes"}
    )


def _other_themes(theme):
    return Theme.objects.filter(workspace=theme.workspace).exclude(pk=theme.pk)


def _theme_context(request, theme):
    others = _other_themes(theme)
    items = list(
        theme.items.filter(duplicate_of=None)
        .annotate(copies=Count("duplicates"))
        .order_by("-happened_at", "-pk")[:ITEMS_SHOWN]
    )
    quotes = {item.pk: item for item in Item.objects.filter(pk__in=theme.quotes)}
    return {
        "theme": theme,
        "items": items,
        "quotes": [quotes[pk] for pk in theme.quotes if pk in quotes],
        "peak": max((count for _, count in theme.trend), default=0),
        "problems": theme.problems.all(),
        "rename_form": RenameForm(instance=theme),
        "override_form": OverrideForm(instance=theme),
        "move_form": MoveForm(themes=others),
        "merge_form": MergeForm(themes=others),
    }


@workspace_view(Role.VIEWER)
def theme_detail(request, theme_pk):
    theme = get_scoped_object_or_404(request, Theme, pk=theme_pk)
    return render(request, "friction/theme_detail.html", _theme_context(request, theme))


def _theme_form_page(request, theme, form, name):
    """Re-show the theme page with the refused form in place of its blank copy."""
    context = _theme_context(request, theme)
    context[name] = form
    return render(request, "friction/theme_detail.html", context, status=400)


@workspace_view(Role.DESIGNER)
@require_POST
def theme_rename(request, theme_pk):
    theme = get_scoped_object_or_404(request, Theme, pk=theme_pk)
    form = RenameForm(request.POST, instance=Theme.objects.get(pk=theme.pk))
    if not form.is_valid():
        return _theme_form_page(request, theme, form, "rename_form")
    services.rename(theme, form.cleaned_data["name"])
    messages.success(request, "Theme renamed.")
    return redirect("theme_detail", theme.pk)


@workspace_view(Role.DESIGNER)
@require_POST
def theme_override(request, theme_pk):
    theme = get_scoped_object_or_404(request, Theme, pk=theme_pk)
    form = OverrideForm(request.POST, instance=theme)
    if not form.is_valid():
        return _theme_form_page(request, theme, form, "override_form")
    with transaction.atomic():
        form.save()
        services.refresh_themes(theme.workspace, [theme.pk])
    messages.success(request, "Saved.")
    return redirect("theme_detail", theme.pk)


@workspace_view(Role.DESIGNER)
@require_POST
def theme_merge(request, theme_pk):
    theme = get_scoped_object_or_404(request, Theme, pk=theme_pk)
    others = _other_themes(theme)
    form = MergeForm(request.POST, themes=others)
    if not form.is_valid():
        return _theme_form_page(request, theme, form, "merge_form")
    moved = services.merge(theme, list(form.cleaned_data["others"]))
    messages.success(request, f"Merged: {moved} item(s) moved into “{theme.name}”.")
    return redirect("theme_detail", theme.pk)


@workspace_view(Role.DESIGNER)
@require_POST
def theme_move(request, theme_pk):
    """Move the ticked items to another theme, or split them off into a new one."""
    theme = get_scoped_object_or_404(request, Theme, pk=theme_pk)
    others = _other_themes(theme)
    form = MoveForm(request.POST, themes=others)
    ids = [int(pk) for pk in request.POST.getlist("items") if pk.isdigit()]
    items = list(theme.items.filter(pk__in=ids))
    if form.is_valid() and not items:
        form.add_error(None, "Tick the items to move first.")
    if not form.is_valid():
        return _theme_form_page(request, theme, form, "move_form")
    target = form.cleaned_data["theme"]
    if target is None:
        target = services.split(theme, items, form.cleaned_data["name"])
        messages.success(request, f"{len(items)} item(s) split into a new theme.")
    else:
        services.move(items, target)
        messages.success(request, f"{len(items)} item(s) moved to “{target.name}”.")
    return redirect("theme_detail", target.pk)


@workspace_view(Role.OWNER)
def customer_erase(request):
    workspace = require_workspace(request)
    form = EraseForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        count = services.erase_customer(workspace, form.cleaned_data["email"])
        messages.success(request, f"{count} item(s) from this customer erased from the inbox.")
        return redirect("friction_inbox")
    return render(
        request,
        "friction/form_page.html",
        {
            "form": form,
            "title": "Erase a customer's evidence",
            "intro": "Deletes every imported ticket or review whose export gave this email "
            "address. Addresses are not stored: the inbox keeps a keyed digest to find them.",
            "danger": True,
        },
    )
