"""The request designer-side views receive, with everything the middleware and `workspace_view`
put on it, so an editor (and a newcomer) can see where each attribute comes from."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from prototypes.workspaces.models import Membership, Workspace


class WorkspaceRequest(HttpRequest):
    """An `HttpRequest` as the designer-side views see it. For type checkers and readers only:
    the objects are Django's own requests, with these attributes set on them."""

    user: AbstractBaseUser | AnonymousUser
    # django_htmx.middleware.HtmxMiddleware: is this an htmx request, from which page, for
    # which target? (falsy for a plain request).
    htmx: HtmxDetails
    # CurrentWorkspaceMiddleware, loaded on first use: the user's memberships by workspace id
    # (empty when logged out), and the workspace chosen in the switcher (None if there is none).
    memberships: dict[int, Membership]
    workspace: Workspace | None
    # workspace_view: the least role the view was declared with; `check_role` and
    # `get_scoped_object_or_404` require it unless given another.
    required_role: str
