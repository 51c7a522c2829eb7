"""The workspace's participant panel: finding contacts, inviting them, reminders, unsubscribing.

Three rules protect the people in the panel. An unsubscribe is honoured forever: no invitation
or reminder ever goes to that address again, in any study (even after the contact is erased and
imported again, see `OptOut`). Nobody is invited again within the workspace's cooling-off
period of their last invitation. And each invitation is a personal link that starts one session.
"""

import hashlib
import hmac
import smtplib
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from prototypes.jobs import enqueue
from prototypes.recruitment.models import (
    Contact,
    PanelSettings,
    StudyInvitation,
    StudyRecruitment,
)
from prototypes.studies.models import ShareLink, Study

Status = StudyInvitation.Status

MAX_FILTERS = 10
# One click of "Invite" sends at most this many emails; more would make the request too slow.
MAX_INVITATIONS_AT_ONCE = 1000
INVITATION_LINK_NAME = "Email invitations"


def panel_settings(workspace):
    settings_row, _ = PanelSettings.objects.get_or_create(workspace=workspace)
    return settings_row


def recruitment_of(study):
    recruitment, _ = StudyRecruitment.objects.get_or_create(study=study)
    recruitment.study = study
    if recruitment.follow_language():
        recruitment.save(update_fields=["invitation_subject", "invitation_message"])
    return recruitment


def email_key(email):
    return email.strip().lower()


def email_digest(workspace_id, email):
    """A keyed digest of an address: recognisable later, unreadable without the secret key."""
    message = f"{workspace_id}:{email_key(email)}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


# Finding contacts.


class FilterError(ValueError):
    pass


def parse_filters(text):
    """[(key, value)] from lines like "plan=pro", or FilterError saying which line is wrong."""
    filters = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        key, equals, value = line.partition("=")
        if not equals or not key.strip():
            raise FilterError(f"“{line}” is not a filter: write it as attribute=value.")
        filters.append((key.strip(), value.strip()))
    if len(filters) > MAX_FILTERS:
        raise FilterError(f"Use at most {MAX_FILTERS} filters.")
    return filters


def find_contacts(workspace, filters=(), search="", subscribed_only=False):
    """The workspace's contacts whose attributes match every (key, value), case-insensitively."""
    contacts = Contact.objects.filter(workspace=workspace)
    if search:
        contacts = contacts.filter(email__icontains=search)
    if subscribed_only:
        contacts = contacts.filter(unsubscribed_at__isnull=True)
    for index, (key, value) in enumerate(filters):
        # KeyTextTransform passes the key as a parameter: any text is safe as a key.
        name = f"attribute_{index}"
        contacts = contacts.alias(**{name: Lower(KeyTextTransform(key, "attributes"))}).filter(
            **{name: value.lower()}
        )
    return contacts


def known_attributes(workspace, sample=500):
    """Attribute names of the most recent contacts, to suggest filters."""
    keys = set()
    for attributes in (
        Contact.objects.filter(workspace=workspace)
        .order_by("-id")
        .values_list("attributes", flat=True)[:sample]
    ):
        keys.update(attributes)
    return sorted(keys, key=str.lower)


# Inviting.


@dataclass
class InvitationPlan:
    contacts: list
    unsubscribed: int = 0
    cooling_off: int = 0
    already_invited: int = 0
    over_limit: int = 0
    invitations: list = field(default_factory=list)

    @property
    def skipped(self):
        return self.unsubscribed + self.cooling_off + self.already_invited + self.over_limit


def plan_invitations(study, contacts, now=None):
    """Which of `contacts` may be invited to `study` now, and how many are left out and why."""
    now = now or timezone.now()
    cooling_off = timedelta(days=panel_settings(study.workspace).cooling_off_days)
    invited = set(
        StudyInvitation.objects.filter(study=study, contact__isnull=False).values_list(
            "contact_id", flat=True
        )
    )
    plan = InvitationPlan(contacts=[])
    for contact in contacts.order_by("id"):
        if contact.unsubscribed_at is not None:
            plan.unsubscribed += 1
        elif contact.pk in invited:
            plan.already_invited += 1
        elif contact.last_study_at is not None and contact.last_study_at > now - cooling_off:
            plan.cooling_off += 1
        elif len(plan.contacts) >= MAX_INVITATIONS_AT_ONCE:
            plan.over_limit += 1
        else:
            plan.contacts.append(contact)
    return plan


def invitation_link(study):
    """The share link invitations start the player on (made on first use, or anew if revoked)."""
    recruitment = recruitment_of(study)
    link = recruitment.invitation_link
    if link is None or link.revoked_at is not None:
        link = ShareLink.objects.create(study=study, name=INVITATION_LINK_NAME)
        recruitment.invitation_link = link
        recruitment.save(update_fields=["invitation_link"])
    return link


class InvitationRefused(Exception):
    pass


def invite(study, contacts, user):
    """Invite the eligible `contacts` to the live `study`: one email each, sent by a job.

    Returns the InvitationPlan, whose `invitations` are the ones created.
    """
    from prototypes.recruitment.tasks import send_invitation_email

    if study.state != Study.State.LIVE:
        raise InvitationRefused(
            "Only a live study can take invited participants: put the study live first."
        )
    now = timezone.now()
    with transaction.atomic():
        # Locking the contacts makes two designers inviting at once take turns.
        locked = contacts.select_for_update(of=("self",))
        plan = plan_invitations(study, locked, now)
        if not plan.contacts:
            return plan
        invitation_link(study)
        plan.invitations = StudyInvitation.objects.bulk_create(
            [
                StudyInvitation(study=study, contact=contact, invited_by=user)
                for contact in plan.contacts
            ]
        )
        Contact.objects.filter(pk__in=[contact.pk for contact in plan.contacts]).update(
            last_study_at=now
        )
        for invitation in plan.invitations:
            enqueue(send_invitation_email, invitation.pk)
    return plan


def resend(invitation):
    """Try again an invitation the mail server refused or that could not be sent."""
    from prototypes.recruitment.tasks import send_invitation_email

    with transaction.atomic():
        updated = StudyInvitation.objects.filter(
            pk=invitation.pk,
            status__in=[Status.BOUNCED, Status.FAILED],
            contact__unsubscribed_at__isnull=True,
        ).update(status=Status.PENDING, error="")
        if updated:
            enqueue(send_invitation_email, invitation.pk)
    return bool(updated)


# Emails.


def personal_url(invitation):
    return settings.SITE_URL + reverse("invitation_open", args=[invitation.token])


def unsubscribe_url(contact):
    return settings.SITE_URL + reverse("unsubscribe", args=[contact.token])


def send_invitation(invitation, reminder=False):
    """Email the invitation (or its reminder), in text and HTML, through the email backend."""
    contact = invitation.contact
    study = invitation.study
    recruitment = recruitment_of(study)
    context = {
        "study": study,
        "workspace": study.workspace,
        "recruitment": recruitment,
        "reminder": reminder,
        "link": personal_url(invitation),
        "unsubscribe_url": unsubscribe_url(contact),
    }
    with translation.override(study.language):
        subject = recruitment.invitation_subject
        if reminder:
            subject = translation.gettext("Reminder: %(subject)s") % {"subject": subject}
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string("recruitment/email/invitation.txt", context),
            to=[contact.email],
            headers={
                "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
        message.attach_alternative(
            render_to_string("recruitment/email/invitation.html", context), "text/html"
        )
    message.send()


def is_bounce(error):
    """Whether the mail server refused the message for good (a 5xx answer)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return any(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


def describe_error(error):
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{address}: {code} {message.decode(errors='replace')}"
            for address, (code, message) in error.recipients.items()
        )
    if isinstance(error, smtplib.SMTPResponseException):
        message = error.smtp_error
        if isinstance(message, bytes):
            message = message.decode(errors="replace")
        return f"{error.smtp_code} {message}"
    return f"{type(error).__name__}: {error}"


def record_send_failure(invitation_id, error, attempts, reminder=False):
    """Show on the invitation that its email could not be sent after the last retry."""
    text = f"{describe_error(error)} (after {attempts} attempt{'s' if attempts != 1 else ''})"
    if reminder:
        StudyInvitation.objects.filter(pk=invitation_id).update(
            error=f"The reminder could not be sent: {text}"[:2000]
        )
        return
    StudyInvitation.objects.filter(pk=invitation_id, status=Status.PENDING).update(
        status=Status.BOUNCED if is_bounce(error) else Status.FAILED, error=text[:2000]
    )


def due_reminders(now=None):
    """Invitations sent long enough ago, still unopened, whose contact still wants emails."""
    now = now or timezone.now()
    due = Q(pk__in=[])
    for study_id, days in StudyRecruitment.objects.filter(
        study__state=Study.State.LIVE, reminder_after_days__isnull=False
    ).values_list("study_id", "reminder_after_days"):
        due |= Q(study_id=study_id, sent_at__lte=now - timedelta(days=days))
    return StudyInvitation.objects.filter(
        due,
        status=Status.SENT,
        reminded_at__isnull=True,
        contact__isnull=False,
        contact__unsubscribed_at__isnull=True,
    )


def queue_reminders(now=None, limit=500):
    """Claim the due reminders and send each by a job; returns how many were queued."""
    from prototypes.recruitment.tasks import send_reminder_email

    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            due_reminders(now)
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("sent_at")
            .values_list("pk", flat=True)[:limit]
        )
        StudyInvitation.objects.filter(pk__in=ids).update(reminded_at=now)
        for invitation_id in ids:
            enqueue(send_reminder_email, invitation_id)
    return len(ids)


# Opening and unsubscribing.


def open_invitation(token):
    """The invitation of a personal link, marked opened the first time; None if it is unknown.

    An invitation whose contact has been erased is unknown: its link no longer leads anywhere.
    """
    invitation = (
        StudyInvitation.objects.select_related("study", "contact")
        .filter(token=token, contact__isnull=False)
        .first()
    )
    if invitation is None:
        return None
    if invitation.opened_at is None:
        now = timezone.now()
        StudyInvitation.objects.filter(pk=invitation.pk, opened_at__isnull=True).update(
            opened_at=now
        )
        StudyInvitation.objects.filter(
            pk=invitation.pk, status__in=[Status.PENDING, Status.SENT]
        ).update(status=Status.OPENED)
        invitation.refresh_from_db(fields=["opened_at", "status"])
    return invitation


def unsubscribe(contact):
    """Stop every email to the contact, now and forever; invitations not yet sent are dropped."""
    with transaction.atomic():
        if contact.unsubscribed_at is None:
            contact.unsubscribed_at = timezone.now()
            contact.save(update_fields=["unsubscribed_at"])
        StudyInvitation.objects.filter(contact=contact, status=Status.PENDING).update(
            status=Status.CANCELLED
        )
