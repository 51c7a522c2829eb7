import smtplib

from celery import shared_task
from django.utils import timezone

from prototypes.jobs import JobTask
from prototypes.workspaces.models import Invitation
from prototypes.workspaces.services import send_invitation


@shared_task(
    base=JobTask,
    name="prototypes.workspaces.send_invitation_email",
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=True,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
)
def send_invitation_email(invitation_id, job_id=None):
    """Send a workspace invitation once; a re-delivered task finds it sent and does nothing."""
    invitation = (
        Invitation.objects.select_related("workspace", "invited_by")
        .filter(pk=invitation_id, sent_at__isnull=True)
        .first()
    )
    if invitation is None:
        return "already sent or withdrawn"
    send_invitation(invitation)
    Invitation.objects.filter(pk=invitation_id).update(sent_at=timezone.now())
    return "sent"
