import secrets


def new_token():
    """An unguessable URL-safe token (256 bits) for share links, sessions and invitations."""
    return secrets.token_urlsafe(32)
