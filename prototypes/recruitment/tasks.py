"""Emails to panel contacts, reminders and the purge of expired personal data.

Sending retries with exponential backoff on SMTP and network errors; once the last retry has
failed, the invitation shows it (refused by the mail server, or could not be sent) with the
error. The backoff factor and the number of retries can be set from the environment
(RECRUITMENT_EMAIL_RETRY_BACKOFF in seconds, RECRUITMENT_EMAIL_MAX_RETRIES), or as settings.
"""

import os

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from prototypes.jobs import EMAIL_RETRIES, JobTask
from prototypes.recruitment import panel, privacy
from prototypes.recruitment.models import StudyInvitation
from prototypes.studies.models import Study

RETRY_BACKOFF = getattr(
    settings,
    "RECRUITMENT_EMAIL_RETRY_BACKOFF",
    int(os.environ.get("RECRUITMENT_EMAIL_RETRY_BACKOFF", "30")),
)
MAX_RETRIES = getattr(
    settings,
    "RECRUITMENT_EMAIL_MAX_RETRIES",
    int(os.environ.get("RECRUITMENT_EMAIL_MAX_RETRIES", "5")),
)
EMAIL_TASK_OPTIONS = {
    **EMAIL_RETRIES,
    "bind": True,
    "retry_backoff": RETRY_BACKOFF,
    "retry_backoff_max": 3600,
    "max_retries": MAX_RETRIES,
}
Status = StudyInvitation.Status


class InvitationEmailTask(JobTask):
    """Records on the invitation that its email failed for good (after the last retry)."""

    is_reminder = False

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        super().on_failure(exc, task_id, args, kwargs, einfo)
        panel.record_send_failure(
            args[0], exc, attempts=self.request.retries + 1, reminder=self.is_reminder
        )


class ReminderEmailTask(InvitationEmailTask):
    is_reminder = True


@shared_task(
    base=InvitationEmailTask,
    name="prototypes.recruitment.send_invitation_email",
    **EMAIL_TASK_OPTIONS,
)
def send_invitation_email(self, invitation_id, job_id=None):
    """Send an invitation once; a re-delivered task finds it sent and does nothing."""
    invitation = (
        StudyInvitation.objects.select_related("study__workspace", "contact")
        .filter(pk=invitation_id, status=Status.PENDING)
        .first()
    )
    if invitation is None:
        return "already sent or cancelled"
    if invitation.contact is None or invitation.contact.unsubscribed_at is not None:
        StudyInvitation.objects.filter(pk=invitation_id, status=Status.PENDING).update(
            status=Status.CANCELLED
        )
        return "unsubscribed"
    panel.send_invitation(invitation)
    StudyInvitation.objects.filter(pk=invitation_id, status=Status.PENDING).update(
        status=Status.SENT, sent_at=timezone.now(), error=""
    )
    return "sent"


@shared_task(
    base=ReminderEmailTask, name="prototypes.recruitment.send_reminder_email", **EMAIL_TASK_OPTIONS
)
def send_reminder_email(self, invitation_id, job_id=None):
    """Remind a contact who has not opened their invitation, unless they unsubscribed since."""
    invitation = (
        StudyInvitation.objects.select_related("study__workspace", "contact")
        .filter(
            pk=invitation_id,
            status=Status.SENT,
            contact__isnull=False,
            contact__unsubscribed_at__isnull=True,
            study__state=Study.State.LIVE,
        )
        .first()
    )
    if invitation is None:
        return "opened, unsubscribed or study not live"
    panel.send_invitation(invitation, reminder=True)
    return "sent"


@shared_task(name="prototypes.recruitment.send_reminders")
def send_reminders():
    """Run by Celery beat: queue the reminders that are due; returns how many."""
    return panel.queue_reminders()


@shared_task(name="prototypes.recruitment.purge_expired_personal_data")
def purge_expired_personal_data():
    """Run by Celery beat: erase personal data older than each workspace's retention period."""
    return privacy.purge_expired()
