from celery import shared_task
from django.contrib.auth import get_user_model
from django.utils import timezone

from prototypes.jobs import EMAIL_RETRIES, JobTask
from prototypes.workspaces import services
from prototypes.workspaces.models import Invitation

# Emails are jobs: sent after the commit, retried while the mail server is unreachable.
EMAIL_JOB = {
    **EMAIL_RETRIES,
    "base": JobTask,
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 5,
}


@shared_task(name="prototypes.workspaces.send_invitation_email", **EMAIL_JOB)
def send_invitation_email(invitation_id, job_id=None):
    """Send a workspace invitation once; a re-delivered task finds it sent and does nothing."""
    invitation = (
        Invitation.objects.select_related("workspace", "invited_by")
        .filter(pk=invitation_id, sent_at__isnull=True)
        .first()
    )
    if invitation is None:
        return "already sent or withdrawn"
    services.send_invitation(invitation)
    Invitation.objects.filter(pk=invitation_id).update(sent_at=timezone.now())
    return "sent"


@shared_task(name="prototypes.workspaces.send_sign_up_link", **EMAIL_JOB)
def send_sign_up_link(email, workspace_name, next_url, job_id=None):
    services.send_sign_up_link(email, workspace_name, next_url)
    return "sent"


@shared_task(name="prototypes.workspaces.send_account_exists_email", **EMAIL_JOB)
def send_account_exists_email(user_id, job_id=None):
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        return "no such account"
    services.send_account_exists_email(user)
    return "sent"
