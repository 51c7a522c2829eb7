"""Personal access tokens: made, checked and revoked; and the guard every designer API view has.

A token is `pp_` and 43 URL-safe characters (256 bits from `secrets`). Only its SHA-256 is
stored, so it is shown once. A token acts for its owner in its workspace, no more: it stops
working when it is revoked or its owner leaves the workspace, and a write token can write only
while its owner's role there allows it (designer or owner). Nothing here logs a token or a
header; error messages never repeat what the client sent.
"""

import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta
from functools import wraps

from django.db.models import Q
from django.http import Http404, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from prototypes.api.models import AccessToken
from prototypes.ratelimit import Limit, client_ip, retry_after, too_many_requests
from prototypes.workspaces.models import ROLE_RANK, Membership, Role

TOKEN_PREFIX = "pp_"
MAX_TOKEN_CHARS = 100
# Scripts poll; a dashboard may read every study in a minute. Counted per token once it is
# known, per address for requests without a valid one.
API_LIMIT = Limit("designer-api", requests=300, seconds=60)
# The role a token's owner needs for each scope.
SCOPE_ROLE = {AccessToken.Scope.READ: Role.VIEWER, AccessToken.Scope.WRITE: Role.DESIGNER}
# Writing last use on every request would make each read a write; a minute is precise enough.
LAST_USED_PRECISION = timedelta(minutes=1)


def digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(workspace, user, name, scope):
    """A new token for `user` in `workspace`: (the stored AccessToken, the secret to show once)."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = AccessToken.objects.create(
        workspace=workspace,
        user=user,
        name=name,
        scope=scope,
        digest=digest(secret),
        prefix=secret[: len(TOKEN_PREFIX) + 4],
    )
    return token, secret


def revoke(token):
    AccessToken.objects.filter(pk=token.pk, revoked_at=None).update(revoked_at=timezone.now())


def api_error(message, status, code=None, **headers):
    body = {"error": message}
    if code:
        body["code"] = code
    response = JsonResponse(body, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


class Unauthorized(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def response(self):
        return api_error(self.message, 401, "unauthorized", WWW_Authenticate='Bearer realm="api"')


def bearer_token(request):
    """The token of `Authorization: Bearer …`, or Unauthorized."""
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if not header:
        raise Unauthorized("Send a personal access token: Authorization: Bearer <token>.")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthorized("The Authorization header must be: Bearer <token>.")
    secret = secret.strip()
    if len(secret) > MAX_TOKEN_CHARS or not secret.startswith(TOKEN_PREFIX):
        raise Unauthorized("This token is not valid, or it was revoked.")
    return secret


def authenticate(request):
    """The live token of the request and its owner's membership, or Unauthorized."""
    token = (
        AccessToken.objects.filter(digest=digest(bearer_token(request)), revoked_at=None)
        .select_related("workspace")
        .first()
    )
    if token is None:
        raise Unauthorized("This token is not valid, or it was revoked.")
    membership = Membership.objects.filter(workspace_id=token.workspace_id, user_id=token.user_id)
    membership = membership.first()
    if membership is None:
        raise Unauthorized("This token's owner is no longer a member of its workspace.")
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        AccessToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at=None) | Q(last_used_at__lte=now - LAST_USED_PRECISION)
        ).update(last_used_at=now)
    return token, membership


def refusal_for_scope(token, membership, scope):
    """Why this token may not do what needs `scope` (a 403 response), or None."""
    if scope == AccessToken.Scope.WRITE and not token.can_write:
        return api_error(
            "This token may only read. Create a token with the write scope to make changes.",
            403,
            "scope",
        )
    if ROLE_RANK[membership.role] < ROLE_RANK[SCOPE_ROLE[scope]]:
        return api_error("Your role in this workspace does not allow this any more.", 403, "role")
    return None


def api_view(scopes: dict[str, str]) -> Callable:
    """Guard a designer API view: method, token, scope, rate limit; errors as JSON.

    `scopes` maps each HTTP method the view answers to the scope it needs. The view is called
    as view(request, token, **kwargs), with `token` the AccessToken (its workspace loaded).
    """

    def decorator(view):
        @csrf_exempt  # A bearer token, never a cookie, authorises: there is nothing to forge.
        @wraps(view)
        def wrapped(request, **kwargs):
            if request.method not in scopes:
                return api_error(
                    f"Method {request.method} is not allowed here.",
                    405,
                    "method",
                    Allow=", ".join(scopes),
                )
            try:
                token, membership = authenticate(request)
            except Unauthorized as refused:
                seconds = retry_after(API_LIMIT, "ip:" + client_ip(request))
                if seconds is not None:
                    return too_many_requests(seconds, as_json=True)
                return refused.response()
            seconds = retry_after(API_LIMIT, f"token:{token.pk}")
            if seconds is not None:
                return too_many_requests(seconds, as_json=True)
            refusal = refusal_for_scope(token, membership, scopes[request.method])
            if refusal is not None:
                return refusal
            try:
                return view(request, token, **kwargs)
            except Http404 as missing:
                return api_error(str(missing) or "Not found.", 404, "not_found")

        # Guarded by its token, not by a log-in: the permission walk tests these separately.
        wrapped.is_public = True
        wrapped.api_scopes = scopes
        return wrapped

    return decorator
