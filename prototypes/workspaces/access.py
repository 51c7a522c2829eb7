"""Who may see what on the designer side.

Every designer-side view is wrapped in `workspace_view(role)`, which requires a login and
records the least role the view needs. Objects are fetched with `get_scoped_object_or_404`,
which answers 404 for anything outside the user's workspaces (so existence never leaks) and
403 when the user is a member with too small a role. What the middleware and `workspace_view`
set on the request is declared in `prototypes.workspaces.http.WorkspaceRequest`.
"""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import F, Model, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import resolve_url
from django.utils.functional import SimpleLazyObject
from django_htmx.http import HttpResponseClientRedirect

from prototypes.workspaces.http import WorkspaceRequest
from prototypes.workspaces.models import ROLE_RANK, Membership, Role, Workspace


def load_memberships(request: WorkspaceRequest) -> dict[int, Membership]:
    if not request.user.is_authenticated:
        return {}
    return {
        m.workspace_id: m
        for m in Membership.objects.filter(user=request.user).select_related("workspace")
    }


def current_workspace(request: WorkspaceRequest) -> Workspace | None:
    memberships = request.memberships
    if not memberships:
        return None
    chosen = request.session.get("workspace_id")
    if chosen in memberships:
        return memberships[chosen].workspace
    return min((m.workspace for m in memberships.values()), key=lambda w: (w.name, w.pk))


class CurrentWorkspaceMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: WorkspaceRequest) -> HttpResponse:
        request.memberships = SimpleLazyObject(lambda: load_memberships(request))
        request.workspace = SimpleLazyObject(lambda: current_workspace(request))
        return self.get_response(request)


def workspace_context(request: WorkspaceRequest) -> dict:
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    memberships = request.memberships
    workspace = request.workspace
    membership = memberships.get(workspace.pk) if workspace else None
    return {
        "workspaces": sorted((m.workspace for m in memberships.values()), key=lambda w: w.name),
        "current_workspace": workspace,
        "current_role": membership.role if membership else None,
    }


def redirect_to_log_in(request: WorkspaceRequest) -> HttpResponse:
    """Send a logged-out user to the log-in page, and back to where they were afterwards.

    An htmx request (a poll from a tab whose session ended, say) would follow a plain 302 and
    swap the log-in page into the panel, then return to the fragment: htmx is told to load the
    log-in page in the whole tab instead, with `next` the page the tab shows.
    """
    if not request.htmx:
        return redirect_to_login(request.get_full_path())
    page = request.htmx.current_url_abs_path
    return HttpResponseClientRedirect(
        redirect_to_login(page).url if page else resolve_url(settings.LOGIN_URL)
    )


def workspace_view(role: str = Role.VIEWER) -> Callable:
    """Mark a designer-side view with the least role it needs (the permission test reads it)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: WorkspaceRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_log_in(request)
            request.required_role = role
            return view(request, *args, **kwargs)

        wrapped.required_role = role
        return wrapped

    return decorator


def check_role(request: WorkspaceRequest, workspace_id: int, role: str | None = None) -> Membership:
    membership = request.memberships.get(workspace_id)
    if membership is None:
        raise Http404("No such page.")
    if ROLE_RANK[membership.role] < ROLE_RANK[role or request.required_role]:
        raise PermissionDenied("Your role in this workspace does not allow this.")
    return membership


def require_workspace(request: WorkspaceRequest, role: str | None = None) -> Workspace:
    """The current workspace, if the user's role in it is enough; else 403 (or 404 if none)."""
    workspace = request.workspace
    if workspace is None:
        raise Http404("You are not a member of any workspace yet.")
    check_role(request, workspace.pk, role)
    return workspace


def get_scoped_object_or_404(
    request: WorkspaceRequest,
    queryset: QuerySet | type[Model],
    role: str | None = None,
    **lookup,
) -> Model:
    """Fetch one object of the user's workspaces, checking the user's role in its workspace."""
    if not hasattr(queryset, "model"):
        queryset = queryset._default_manager.all()
    path = (
        "pk"
        if queryset.model is Workspace
        else getattr(queryset.model, "WORKSPACE_PATH", "workspace")
    )
    workspace_ids = list(request.memberships)
    obj = (
        queryset.filter(**{f"{path}__in": workspace_ids}, **lookup)
        .annotate(scoped_workspace_id=F(path))
        .first()
    )
    if obj is None:
        raise Http404("No such page.")
    check_role(request, obj.scoped_workspace_id, role)
    return obj


def public_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a view anyone may open (participant, stakeholder and account pages guard themselves)."""
    view.is_public = True
    return view
