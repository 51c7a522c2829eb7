from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from prototypes.authoring.models import Screen
from prototypes.authoring.tasks import INTERRUPTED_REASON, process_screen
from prototypes.jobs import (
    MAX_INTERRUPTED_RUNS,
    Job,
    JobInterrupted,
    enqueue,
    sweep_pending_jobs,
)
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


def interrupted_job(task, args, runs):
    return Job.objects.create(
        task_name=task.name, args=args, state=Job.State.SENT, interrupted_runs=runs
    )


def test_a_run_whose_process_dies_is_counted_and_a_finished_run_clears_the_count(invitation):
    job = interrupted_job(send_invitation_email, [invitation.pk], MAX_INTERRUPTED_RUNS - 2)
    # A run begins, and its process dies before it ends: only the start is seen.
    send_invitation_email.before_start("task-id", [invitation.pk], {"job_id": job.pk})
    job.refresh_from_db()
    assert job.interrupted_runs == MAX_INTERRUPTED_RUNS - 1

    send_invitation_email.apply(args=[invitation.pk], kwargs={"job_id": job.pk})

    job.refresh_from_db()
    assert (job.state, job.interrupted_runs) == (Job.State.DONE, 0)
    assert [m.to for m in mail.outbox] == [["new@example.com"]]


def test_a_job_that_took_its_worker_down_too_often_is_failed_not_run(invitation):
    job = interrupted_job(send_invitation_email, [invitation.pk], MAX_INTERRUPTED_RUNS)

    with pytest.raises(JobInterrupted, match=f"stopped {MAX_INTERRUPTED_RUNS} times in a row"):
        send_invitation_email.before_start("task-id", [invitation.pk], {"job_id": job.pk})


def test_eager_runs_are_not_counted(invitation):
    job = interrupted_job(send_invitation_email, [invitation.pk], MAX_INTERRUPTED_RUNS)

    send_invitation_email.apply(args=[invitation.pk], kwargs={"job_id": job.pk})

    job.refresh_from_db()
    assert (job.state, job.interrupted_runs) == (Job.State.DONE, 0)


def test_a_screen_whose_processing_keeps_killing_the_worker_says_so(db):
    screen = factories.ScreenFactory(status=Screen.Status.PROCESSING, image="", thumbnail="")
    job = interrupted_job(process_screen, [screen.pk, True], MAX_INTERRUPTED_RUNS)
    stopped = JobInterrupted("The worker stopped 3 times in a row while running this job.")

    process_screen.on_failure(stopped, "task-id", [screen.pk, True], {"job_id": job.pk}, None)

    screen.refresh_from_db()
    assert screen.status == Screen.Status.FAILED
    assert screen.failure_reason == INTERRUPTED_REASON
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
