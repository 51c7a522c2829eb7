"""Webhooks sent by a real Celery worker through Redis to a receiver that fails twice: the
worker's own retries (not the sweep) deliver it, once, and the receiver verifies the
signature with the Standard Webhooks library."""

import pytest

from prototypes.webhooks import services
from prototypes.webhooks.models import Delivery, Endpoint, EventType
from tests.integration.conftest import wait_until
from tests.webhook_receiver import Receiver

pytestmark = pytest.mark.integration


@pytest.fixture
def webhook_worker_env(monkeypatch, settings):
    """Short pauses between attempts and a receiver on this machine, for this process and the
    worker it starts."""
    monkeypatch.setenv("WEBHOOK_RETRY_DELAYS", "0.5,1,1")
    monkeypatch.setenv("WEBHOOKS_ALLOW_PRIVATE_NETWORKS", "1")
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True


def test_a_receiver_that_fails_twice_gets_the_event_once_signed(
    webhook_worker_env, celery_worker, workspace
):
    receiver = Receiver(statuses=[500, 502]).start()
    try:
        endpoint = Endpoint.objects.create(
            workspace=workspace, url=receiver.url, events=[EventType.STUDY_CLOSED]
        )
        receiver.secret = endpoint.secret
        (delivery,) = services.emit(
            workspace.pk, EventType.STUDY_CLOSED, "study:1", {"study": {"title": "Orders"}}
        )

        assert wait_until(
            lambda: Delivery.objects.get(pk=delivery.pk).state == Delivery.State.DELIVERED
        ), [r.status for r in receiver.received]
        assert [r.status for r in receiver.received] == [500, 502, 200]
        assert len(receiver.accepted) == 1
        assert receiver.accepted[0].verified["data"]["study"]["title"] == "Orders"
        assert list(delivery.attempt_log.values_list("status_code", flat=True)) == [500, 502, 200]
    finally:
        receiver.stop()
