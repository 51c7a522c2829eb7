import secrets
from datetime import timedelta

from django.utils import timezone

# A link revoked by mistake can be brought back for this long; after that revoking is final,
# so that a link someone meant to kill stays dead.
REVOKE_UNDO_WINDOW = timedelta(minutes=15)


def new_token():
    """An unguessable URL-safe token (256 bits) for share links, sessions and invitations."""
    return secrets.token_urlsafe(32)


def revoke_undoable(revoked_at):
    return revoked_at is not None and timezone.now() - revoked_at < REVOKE_UNDO_WINDOW


def undo_revoke(queryset):
    """Bring back the links of ``queryset`` revoked within the undo window; how many."""
    return queryset.filter(revoked_at__gt=timezone.now() - REVOKE_UNDO_WINDOW).update(
        revoked_at=None
    )
