"""The home page: a workspace's latest prototypes and studies.

Its own package, above every area it shows, so that no area imports another that sits above it.
"""

from django.db.models import Count
from django.shortcuts import render

from prototypes.authoring.models import Prototype
from prototypes.studies.models import Study
from prototypes.workspaces.access import workspace_view
from prototypes.workspaces.models import Role


@workspace_view(Role.VIEWER)
def dashboard(request):
    workspace = request.workspace
    if workspace is None:
        return render(request, "workspaces/no_workspace.html")
    prototypes = Prototype.objects.filter(workspace=workspace).annotate(
        version_count=Count("versions")
    )[:6]
    studies = Study.objects.filter(workspace=workspace).annotate(
        participant_count=Count("sessions")
    )[:6]
    return render(
        request,
        "workspaces/dashboard.html",
        {"workspace": workspace, "prototypes": prototypes, "studies": studies},
    )
