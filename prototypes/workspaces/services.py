from django.conf import settings
from django.core.mail import EmailMultiAlternatives
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
