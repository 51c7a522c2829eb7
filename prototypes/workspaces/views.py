from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import LoginView
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from prototypes.jobs import enqueue
from prototypes.ratelimit import (
    Limit,
    client_ip,
    rate_limited,
    record,
    retry_after,
)
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
    SignUpForm,
    WorkspaceForm,
)
from prototypes.workspaces.models import Invitation, Membership, Role, Workspace
from prototypes.workspaces.tasks import send_invitation_email


@public_view
def landing(request):
    if request.user.is_authenticated:
        return redirect("dashboard")
    return render(request, "workspaces/landing.html")


FAILED_LOGINS = Limit("failed-login", requests=5, seconds=15 * 60)
LOGIN_ATTEMPTS = Limit("login", requests=30, seconds=60)
SIGNUPS = Limit("signup", requests=10, seconds=60 * 60)


class ThrottledLoginView(LoginView):
    """Django's login, refusing further tries for an account after repeated failures."""

    def post(self, request, *args, **kwargs):
        account = f"{client_ip(request)}:{request.POST.get('username', '').strip().lower()}"
        seconds = retry_after(FAILED_LOGINS, account, count=False) or retry_after(
            LOGIN_ATTEMPTS, client_ip(request)
        )
        if seconds is not None:
            context = self.get_context_data(form=self.get_form(), retry_minutes=-(-seconds // 60))
            response = self.render_to_response(context, status=429)
            response["Retry-After"] = str(seconds)
            return response
        response = super().post(request, *args, **kwargs)
        if not request.user.is_authenticated:
            record(FAILED_LOGINS, account)
        return response


login_view = public_view(ThrottledLoginView.as_view())


@public_view
@rate_limited(SIGNUPS)
def signup(request):
    if request.user.is_authenticated:
        return redirect("dashboard")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = form.save()
            services.create_workspace(user, form.cleaned_data["workspace_name"])
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Welcome! Start by creating a prototype.")
        return redirect(request.GET.get("next") or "dashboard")
    return render(request, "registration/signup.html", {"form": form})


@workspace_view(Role.VIEWER)
def dashboard(request):
    workspace = request.workspace
    if workspace is None:
        return render(request, "workspaces/no_workspace.html")
    from prototypes.dashboard.cards import dashboard_context

    return render(request, "dashboard/dashboard.html", dashboard_context(workspace))


@workspace_view(Role.VIEWER)
def workspace_create(request):
    form = WorkspaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        workspace = services.create_workspace(request.user, form.cleaned_data["name"])
        request.session["workspace_id"] = workspace.pk
        messages.success(request, f"Workspace “{workspace.name}” created.")
        return redirect("dashboard")
    return render(request, "workspaces/workspace_form.html", {"form": form})


@require_POST
@workspace_view(Role.VIEWER)
def workspace_switch(request, workspace_pk):
    workspace = get_scoped_object_or_404(request, Workspace, pk=workspace_pk)
    request.session["workspace_id"] = workspace.pk
    return redirect("dashboard")


@workspace_view(Role.VIEWER)
def workspace_members(request, workspace_pk):
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
def membership_update(request, membership_pk):
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
def invitation_revoke(request, invitation_pk):
    invitation = get_scoped_object_or_404(request, Invitation, pk=invitation_pk)
    invitation.delete()
    messages.success(request, f"Invitation to {invitation.email} withdrawn.")
    return redirect("workspace_members", invitation.workspace_id)


@public_view
def invitation_accept(request, token):
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
