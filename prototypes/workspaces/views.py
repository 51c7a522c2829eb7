from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from prototypes.jobs import enqueue
from prototypes.workspaces import services
from prototypes.workspaces.access import (
    check_role,
    get_scoped_object_or_404,
    public_view,
    workspace_view,
)
from prototypes.workspaces.forms import (
    InvitationForm,
    MembershipRoleForm,
    WorkspaceForm,
)
from prototypes.workspaces.http import WorkspaceRequest
from prototypes.workspaces.models import Invitation, Membership, Role, Workspace
from prototypes.workspaces.tasks import send_invitation_email


@public_view
def landing(request: WorkspaceRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard")
    return render(request, "workspaces/landing.html")


@workspace_view(Role.VIEWER)
def workspace_create(request: WorkspaceRequest) -> HttpResponse:
    form = WorkspaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        workspace = services.create_workspace(request.user, form.cleaned_data["name"])
        request.session["workspace_id"] = workspace.pk
        messages.success(request, f"Workspace “{workspace.name}” created.")
        return redirect("dashboard")
    return render(request, "workspaces/workspace_form.html", {"form": form})


@require_POST
@workspace_view(Role.VIEWER)
def workspace_switch(request: WorkspaceRequest, workspace_pk: int) -> HttpResponse:
    workspace = get_scoped_object_or_404(request, Workspace, pk=workspace_pk)
    request.session["workspace_id"] = workspace.pk
    return redirect("dashboard")


@workspace_view(Role.VIEWER)
def workspace_members(request: WorkspaceRequest, workspace_pk: int) -> HttpResponse:
    workspace = get_scoped_object_or_404(request, Workspace, pk=workspace_pk)
    is_owner = request.memberships[workspace.pk].role == Role.OWNER
    form = InvitationForm(request.POST or None, workspace=workspace)
    if request.method == "POST":
        check_role(request, workspace.pk, Role.OWNER)
        if form.is_valid():
            with transaction.atomic():
                invitation = form.save(commit=False)
                invitation.workspace = workspace
                invitation.invited_by = request.user
                invitation.save()
                enqueue(send_invitation_email, invitation.pk)
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("workspace_members", workspace.pk)
    memberships = workspace.memberships.select_related("user").order_by("user__email")
    invitations = workspace.invitations.filter(accepted_at__isnull=True).order_by("-created_at")
    return render(
        request,
        "workspaces/members.html",
        {
            "workspace": workspace,
            "memberships": memberships,
            "invitations": invitations,
            "form": form,
            "is_owner": is_owner,
            "roles": Role.choices,
        },
    )


@require_POST
@workspace_view(Role.OWNER)
def membership_update(request: WorkspaceRequest, membership_pk: int) -> HttpResponse:
    membership = get_scoped_object_or_404(
        request, Membership.objects.select_related("user"), pk=membership_pk
    )
    owners = Membership.objects.filter(workspace=membership.workspace, role=Role.OWNER)
    if request.POST.get("remove"):
        if membership.role == Role.OWNER and owners.count() == 1:
            messages.error(request, "A workspace needs at least one owner.")
        else:
            membership.delete()
            messages.success(request, f"{membership.user.email} was removed.")
        return redirect("workspace_members", membership.workspace_id)
    form = MembershipRoleForm(request.POST, instance=membership)
    if form.is_valid():
        if (
            membership.role != Role.OWNER
            and owners.filter(pk=membership.pk).exists()
            and owners.count() == 1
        ):
            messages.error(request, "A workspace needs at least one owner.")
        else:
            form.save()
            messages.success(
                request, f"{membership.user.email} is now {membership.get_role_display()}."
            )
    else:
        messages.error(request, "Choose one of the listed roles.")
    return redirect("workspace_members", membership.workspace_id)


@require_POST
@workspace_view(Role.OWNER)
def invitation_revoke(request: WorkspaceRequest, invitation_pk: int) -> HttpResponse:
    invitation = get_scoped_object_or_404(request, Invitation, pk=invitation_pk)
    invitation.delete()
    messages.success(request, f"Invitation to {invitation.email} withdrawn.")
    return redirect("workspace_members", invitation.workspace_id)


@public_view
def invitation_accept(request: WorkspaceRequest, token: str) -> HttpResponse:
    invitation = get_object_or_404(Invitation.objects.select_related("workspace"), token=token)
    if not request.user.is_authenticated:
        return render(request, "workspaces/invitation_accept.html", {"invitation": invitation})
    if request.method == "POST":
        try:
            workspace = services.accept_invitation(token, request.user)
        except services.InvitationUnusable as error:
            messages.error(request, str(error))
            return redirect("dashboard")
        request.session["workspace_id"] = workspace.pk
        messages.success(request, f"You joined {workspace.name}.")
        return redirect("dashboard")
    return render(request, "workspaces/invitation_accept.html", {"invitation": invitation})
