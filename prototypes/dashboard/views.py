"""The home page: one card per study and prototype of the workspace, or a checklist for a new one.

Its own package, above every area it shows, so that no area imports another that sits above it.
"""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from prototypes.dashboard.cards import dashboard_context, study_verdict
from prototypes.studies.models import Study
from prototypes.workspaces.access import get_scoped_object_or_404, workspace_view
from prototypes.workspaces.http import WorkspaceRequest
from prototypes.workspaces.models import Role


@workspace_view(Role.VIEWER)
def dashboard(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    if workspace is None:
        return render(request, "workspaces/no_workspace.html")
    return render(request, "dashboard/dashboard.html", dashboard_context(workspace))


@require_GET
@workspace_view(Role.VIEWER)
def study_verdict_badge(request: WorkspaceRequest, study_pk: int) -> HttpResponse:
    """A dashboard card's verdict badge, fetched after the page so the page stays fast."""
    study = get_scoped_object_or_404(request, Study, pk=study_pk)
    verdict = study_verdict(study)
    context = {"study": study, "verdict": verdict, "verdict_css": verdict.replace(" ", "-")}
    return render(request, "dashboard/dashboard.html#verdict_badge", context)
