from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from prototypes.jobs import Job, enqueue, sweep_pending_jobs
from prototypes.workspaces.tasks import send_invitation_email
from tests import factories


@pytest.fixture
def invitation(db, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return factories.InvitationFactory(email="new@example.com")


def test_job_runs_after_commit_and_is_marked_done(invitation, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        job = enqueue(send_invitation_email, invitation.pk)
        assert len(mail.outbox) == 0
    job.refresh_from_db()
    assert job.state == Job.State.DONE
    assert [m.to for m in mail.outbox] == [["new@example.com"]]


def test_nothing_is_sent_when_the_transaction_rolls_back(invitation):
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue(send_invitation_email, invitation.pk)
        raise RuntimeError("the request failed")
    assert Job.objects.count() == 0
    assert mail.outbox == []


def test_broker_down_leaves_the_job_pending_and_the_sweep_sends_it_later(
    invitation, django_capture_on_commit_callbacks
):
    with mock.patch.object(
        send_invitation_email, "apply_async", side_effect=OperationalError("Connection refused")
    ):
        with django_capture_on_commit_callbacks(execute=True):
            job = enqueue(send_invitation_email, invitation.pk)
        job.refresh_from_db()
        assert job.state == Job.State.PENDING
        assert "Connection refused" in job.last_error
        Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=5))
        assert sweep_pending_jobs() == 0
    assert mail.outbox == []

    assert sweep_pending_jobs() == 1
    job.refresh_from_db()
    assert job.state == Job.State.DONE
    assert len(mail.outbox) == 1


def test_a_redelivered_task_does_not_send_twice(invitation):
    send_invitation_email(invitation.pk)
    send_invitation_email(invitation.pk)
    assert len(mail.outbox) == 1


def test_sweep_leaves_young_pending_jobs_to_their_own_send(invitation):
    Job.objects.create(task_name=send_invitation_email.name, args=[invitation.pk])
    assert sweep_pending_jobs() == 0
