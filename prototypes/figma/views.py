"""Importing a prototype's screens from Figma (designer side)."""

from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET

from prototypes.authoring.models import Prototype
from prototypes.figma import services
from prototypes.figma.client import FigmaError
from prototypes.figma.forms import FigmaImportForm
from prototypes.figma.models import FigmaImport
from prototypes.workspaces.access import get_scoped_object_or_404, workspace_view
from prototypes.workspaces.http import WorkspaceRequest
from prototypes.workspaces.models import Role


# The token must not reach an error report: Django leaves it out of the POST it shows.
@sensitive_post_parameters("token")
@workspace_view(Role.DESIGNER)
def figma_import(request: WorkspaceRequest, prototype_pk):
    prototype = get_scoped_object_or_404(request, Prototype, pk=prototype_pk)
    if prototype.kind != Prototype.Kind.PAPER:
        return redirect("prototype_detail", prototype.pk)
    imports = list(prototype.figma_imports.all()[:5])
    initial = {}
    if imports:
        last = imports[0]
        node = f"?node-id={last.node_id.replace(':', '-')}" if last.node_id else ""
        initial["link"] = f"https://www.figma.com/design/{last.file_key}/{node}"
    form = FigmaImportForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            started = services.start(
                prototype, request.user, data["link"], data["token"], data["scale"]
            )
        except FigmaError as error:
            form.add_error(None, error.message)
        else:
            return redirect("figma_import_status", started.pk)
    return render(
        request,
        "figma/import_form.html",
        {"prototype": prototype, "form": form, "imports": imports},
    )


@require_GET
@workspace_view(Role.VIEWER)
def figma_import_status(request: WorkspaceRequest, figma_import_pk):
    """How far an import got; the page polls its own partial until the import is finished."""
    figma_import = get_scoped_object_or_404(
        request, FigmaImport.objects.select_related("prototype"), pk=figma_import_pk
    )
    template = "figma/import_status.html"
    if request.htmx:
        template += "#status"
    return render(request, template, {"figma_import": figma_import})
