"""Who may see what on the designer side.

Every designer-side view is wrapped in `workspace_view(role)`, which requires a login and
records the least role the view needs. Objects are fetched with `get_scoped_object_or_404`,
which answers 404 for anything outside the user's workspaces (so existence never leaks) and
403 when the user is a member with too small a role.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import Http404
from django.utils.functional import SimpleLazyObject

from prototypes.workspaces.models import ROLE_RANK, Membership, Role, Workspace


def load_memberships(request):
    if not request.user.is_authenticated:
        return {}
    return {
        m.workspace_id: m
        for m in Membership.objects.filter(user=request.user).select_related("workspace")
    }


def current_workspace(request):
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

    def __call__(self, request):
        request.memberships = SimpleLazyObject(lambda: load_memberships(request))
        request.workspace = SimpleLazyObject(lambda: current_workspace(request))
        return self.get_response(request)


def workspace_context(request):
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


def workspace_view(role=Role.VIEWER):
    """Mark a designer-side view with the least role it needs (the permission test reads it)."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            request.required_role = role
            return view(request, *args, **kwargs)

        wrapped.required_role = role
        return wrapped

    return decorator


def check_role(request, workspace_id, role=None):
    membership = request.memberships.get(workspace_id)
    if membership is None:
        raise Http404("No such page.")
    if ROLE_RANK[membership.role] < ROLE_RANK[role or request.required_role]:
        raise PermissionDenied("Your role in this workspace does not allow this.")
    return membership


def require_workspace(request, role=None):
    """The current workspace, if the user's role in it is enough; else 403 (or 404 if none)."""
    workspace = request.workspace
    if workspace is None:
        raise Http404("You are not a member of any workspace yet.")
    check_role(request, workspace.pk, role)
    return workspace


def get_scoped_object_or_404(request, queryset, role=None, **lookup):
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


def public_view(view):
    """Mark a view anyone may open (participant, stakeholder and account pages guard themselves)."""
    view.is_public = True
    return view
