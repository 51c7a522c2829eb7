"""The workspace's API tokens page: make a token (shown once), see when each was last used,
revoke one. Everyone makes their own; an owner also sees and may revoke everyone's."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render

from prototypes.api import access
from prototypes.api.forms import AccessTokenForm
from prototypes.api.models import AccessToken
from prototypes.workspaces.access import get_scoped_object_or_404, workspace_view
from prototypes.workspaces.http import WorkspaceRequest
from prototypes.workspaces.models import Role, Workspace


def visible_tokens(workspace, user, is_owner):
    tokens = AccessToken.objects.filter(workspace=workspace).select_related("user")
    return tokens if is_owner else tokens.filter(user=user)


@workspace_view(Role.VIEWER)
def access_tokens(request: WorkspaceRequest, workspace_pk: int) -> HttpResponse:
    workspace = get_scoped_object_or_404(request, Workspace, pk=workspace_pk)
    role = request.memberships[workspace.pk].role
    is_owner = role == Role.OWNER
    tokens = visible_tokens(workspace, request.user, is_owner)
    if request.method == "POST" and "revoke" in request.POST:
        return revoke(request, tokens, workspace)
    form = AccessTokenForm(request.POST or None, role=role)
    secret = None
    if request.method == "POST" and form.is_valid():
        _, secret = access.create_token(
            workspace, request.user, form.cleaned_data["name"], form.cleaned_data["scope"]
        )
        # Rendered, not redirected: the secret is shown in this answer only and kept nowhere.
        form = AccessTokenForm(role=role)
    response = render(
        request,
        "api/access_tokens.html",
        {
            "workspace": workspace,
            "form": form,
            "secret": secret,
            "tokens": tokens,
            "is_owner": is_owner,
        },
    )
    response["Cache-Control"] = "private, no-store"
    return response


def revoke(request: WorkspaceRequest, tokens, workspace) -> HttpResponse:
    """Revoke one of the tokens the page lists (an owner's page lists everyone's)."""
    token_pk = request.POST["revoke"]
    token = tokens.filter(pk=token_pk).first() if token_pk.isdigit() else None
    if token is None:
        messages.error(request, "No such token here: it may belong to someone else.")
    else:
        access.revoke(token)
        messages.success(request, f"Token “{token.name}” revoked: it no longer opens the API.")
    return redirect("access_tokens", workspace.pk)
