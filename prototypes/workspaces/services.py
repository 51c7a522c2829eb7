from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from prototypes.workspaces.models import Invitation, Membership, Role, Workspace


@transaction.atomic
def create_workspace(user, name):
    workspace = Workspace.objects.create(name=name)
    Membership.objects.create(workspace=workspace, user=user, role=Role.OWNER)
    return workspace


def send_invitation(invitation):
    """Email the invitation link; the task `send_invitation_email` calls this with retries."""
    link = settings.SITE_URL + reverse("invitation_accept", args=[invitation.token])
    context = {"invitation": invitation, "link": link}
    message = EmailMultiAlternatives(
        subject=f"Join {invitation.workspace.name} on Protoplatform",
        body=render_to_string("workspaces/invitation_email.txt", context),
        to=[invitation.email],
    )
    message.attach_alternative(
        render_to_string("workspaces/invitation_email.html", context), "text/html"
    )
    message.send()


SIGN_UP_SALT = "prototypes.workspaces.sign-up"
SIGN_UP_LINK_DAYS = 3


def sign_up_token(email, workspace_name, next_url):
    """A signed, expiring token that carries a sign-up until its owner opens the emailed link;
    nothing is stored before then."""
    return signing.dumps(
        {"email": email, "workspace": workspace_name, "next": next_url},
        salt=SIGN_UP_SALT,
        compress=True,
    )


def read_sign_up_token(token):
    """The sign-up a token carries; raises signing.BadSignature if forged or expired."""
    return signing.loads(token, salt=SIGN_UP_SALT, max_age=SIGN_UP_LINK_DAYS * 86400)


def send_sign_up_link(email, workspace_name, next_url):
    link = settings.SITE_URL + reverse(
        "signup_confirm", args=[sign_up_token(email, workspace_name, next_url)]
    )
    context = {"email": email, "link": link, "days": SIGN_UP_LINK_DAYS}
    send_mail(
        subject="Finish creating your Protoplatform account",
        message=render_to_string("registration/signup_email.txt", context),
        from_email=None,
        recipient_list=[email],
    )


def send_account_exists_email(user):
    """Tell the owner of an address that someone tried to sign up with it (the sign-up page
    answers as for a new address, so only the mailbox's owner learns the account exists)."""
    context = {
        "email": user.email,
        "login": settings.SITE_URL + reverse("login"),
        "reset": settings.SITE_URL + reverse("password_reset"),
    }
    send_mail(
        subject="You already have a Protoplatform account",
        message=render_to_string("registration/account_exists_email.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )


class InvitationUnusable(Exception):
    pass


@transaction.atomic
def accept_invitation(token, user):
    """Join the invitation's workspace; the token works once and only before it expires."""
    invitation = Invitation.objects.select_for_update().filter(token=token).first()
    if invitation is None or not invitation.is_usable:
        raise InvitationUnusable("This invitation link has expired or has already been used.")
    Membership.objects.get_or_create(
        workspace=invitation.workspace, user=user, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return invitation.workspace
