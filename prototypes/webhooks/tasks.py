"""Sending deliveries, trying failed ones again, and disabling endpoints that keep failing."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from prototypes.jobs import EMAIL_RETRIES, JobTask, enqueue, runs_in_process
from prototypes.webhooks import delivery as sending
from prototypes.webhooks.models import Delivery, DeliveryAttempt, Endpoint
from prototypes.workspaces.models import Membership, Role

logger = logging.getLogger(__name__)

# An endpoint whose deliveries fail this many times in a row (after all their retries) is
# disabled: nobody is reading it, and each failure costs a worker minutes of retries.
DISABLE_AFTER = 5
# A retry that Celery should have sent this long ago was lost (broker restarted): the sweep
# sends it.
LOST_RETRY_AFTER = timedelta(minutes=2)


def retry_delays():
    """Seconds before each retry; after the last one a delivery has failed."""
    return settings.WEBHOOK_RETRY_DELAYS


@shared_task(base=JobTask, name="prototypes.webhooks.deliver")
def deliver(delivery_id, attempt, by_hand=False, job_id=None):
    """Make attempt number `attempt` (counted from 0) of a delivery, once.

    The attempt is claimed by moving the delivery's attempt count from `attempt` to
    `attempt + 1` in one UPDATE, so a message sent twice (a sweep racing a late retry, a
    re-delivered job) posts once.
    """
    claimed = Delivery.objects.filter(
        pk=delivery_id, state=Delivery.State.PENDING, attempts=attempt
    ).update(attempts=attempt + 1, next_attempt_at=None)
    if not claimed:
        return "already attempted"
    delivery = Delivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    if not endpoint.is_active and not by_hand:
        Delivery.objects.filter(pk=delivery_id).update(state=Delivery.State.FAILED)
        return "endpoint disabled"
    outcome = sending.post(delivery)
    DeliveryAttempt.objects.create(
        delivery=delivery,
        number=attempt + 1,
        status_code=outcome.status_code,
        error=outcome.error[:300],
        duration_ms=outcome.duration_ms,
        by_hand=by_hand,
    )
    if outcome.succeeded:
        Delivery.objects.filter(pk=delivery_id).update(
            state=Delivery.State.DELIVERED, delivered_at=timezone.now()
        )
        Endpoint.objects.filter(pk=endpoint.pk).update(failures_in_a_row=0)
        return "delivered"
    delays = retry_delays()
    if not by_hand and attempt < len(delays):
        schedule_retry(delivery_id, attempt + 1, delays[attempt])
        return "will retry"
    Delivery.objects.filter(pk=delivery_id).update(state=Delivery.State.FAILED)
    if not by_hand:
        count_failure(endpoint)
    return "failed"


def schedule_retry(delivery_id, attempt, delay):
    """Send attempt `attempt` after `delay` seconds. Without a broker (tasks run in the request)
    the retry waits for the sweep instead of blocking the request that is running this."""
    Delivery.objects.filter(pk=delivery_id).update(
        next_attempt_at=timezone.now() + timedelta(seconds=delay)
    )
    if runs_in_process():
        return
    try:
        deliver.apply_async(args=[delivery_id, attempt], countdown=delay, retry=False)
    except Exception as error:  # noqa: BLE001 - a broker outage leaves the retry to the sweep
        logger.warning("Webhook retry of delivery %s left to the sweep: %s", delivery_id, error)


def count_failure(endpoint):
    """One more delivery of `endpoint` failed for good; disable it after `DISABLE_AFTER`."""
    with transaction.atomic():
        locked = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
        locked.failures_in_a_row += 1
        fields = ["failures_in_a_row"]
        if locked.is_active and locked.failures_in_a_row >= DISABLE_AFTER:
            locked.is_active = False
            locked.disabled_at = timezone.now()
            locked.disabled_reason = (
                f"Disabled after {locked.failures_in_a_row} deliveries in a row failed."
            )
            fields += ["is_active", "disabled_at", "disabled_reason"]
            enqueue(send_disabled_email, locked.pk)
        locked.save(update_fields=fields)


@shared_task(name="prototypes.webhooks.send_due")
def send_due_deliveries():
    """Send the retries whose time has come and that nothing sent: lost with a restarted broker,
    or left here because tasks run in the request. Returns how many were sent."""
    now = timezone.now()
    grace = timedelta(0) if runs_in_process() else LOST_RETRY_AFTER
    due = Delivery.objects.filter(
        state=Delivery.State.PENDING, next_attempt_at__lte=now - grace
    ).values_list("pk", "attempts")[:500]
    for delivery_id, attempts in due:
        deliver.delay(delivery_id, attempts)
    return len(due)


def redeliver(delivery):
    """Send a delivery again now, by hand (from the delivery log), whatever its state."""
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk).update(
            state=Delivery.State.PENDING, next_attempt_at=None
        )
        attempts = Delivery.objects.values_list("attempts", flat=True).get(pk=delivery.pk)
        enqueue(deliver, delivery.pk, attempts, True)


@shared_task(
    base=JobTask,
    name="prototypes.webhooks.send_disabled_email",
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
    **EMAIL_RETRIES,
)
def send_disabled_email(endpoint_id, job_id=None):
    """Tell the workspace's owners that an endpoint was disabled, and where to turn it on."""
    endpoint = Endpoint.objects.select_related("workspace").filter(pk=endpoint_id).first()
    if endpoint is None or endpoint.is_active:
        return "nothing to tell"
    owners = list(
        Membership.objects.filter(workspace=endpoint.workspace, role=Role.OWNER)
        .order_by("user__email")
        .values_list("user__email", flat=True)
    )
    context = {
        "endpoint": endpoint,
        "link": settings.SITE_URL + reverse("webhook_detail", args=[endpoint.pk]),
    }
    send_mail(
        subject=f"A webhook of {endpoint.workspace.name} was disabled",
        message=render_to_string("webhooks/disabled_email.txt", context),
        from_email=None,
        recipient_list=owners,
    )
    return "sent"
