"""Background work that survives a broker outage.

Work is recorded as a Job row in the same transaction as the change that needs it, and sent to
Celery only after that transaction commits. If the broker cannot be reached at that moment the
request still succeeds: the job stays pending and `sweep_pending_jobs` (run by Celery beat)
sends it once the broker is back. Tasks run through jobs must be idempotent, because a job can
be delivered more than once (late acks, re-delivery after a worker died, a sweep racing a slow
send).
"""

import logging
import smtplib
from datetime import timedelta

from celery import Task, current_app, shared_task
from django.db import models, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

# A job sent this long ago and still not done is presumed lost (e.g. Redis restarted without
# persistence) and is sent again.
LOST_AFTER = timedelta(minutes=15)
# A pending job younger than this may still be waiting for its own on_commit send.
PENDING_GRACE = timedelta(seconds=30)
# Late acks hand a job whose worker process died (killed for the memory a huge upload took, say)
# to the next worker, without end. A job that has taken a worker down this many times in a row
# is failed instead, so that it cannot take every worker down in turn.
MAX_INTERRUPTED_RUNS = 3


# Tasks that send email retry, with growing pauses, while the mail server or network is down.
EMAIL_RETRIES = {"autoretry_for": (smtplib.SMTPException, OSError), "retry_jitter": True}
# Tasks that a busy or restarting database stops retry five times, with pauses growing to 5 min.
BACKOFF_RETRIES = {
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 5,
    "retry_jitter": True,
}


class Job(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Waiting for the broker"
        SENT = "sent", "Sent to a worker"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    sends = models.PositiveIntegerField(default=0)
    # Runs begun and not finished: a run that ends in any way (done, failed, retried) sets it
    # back to 0, so only runs whose process died count.
    interrupted_runs = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "prototypes"
        indexes = [models.Index(fields=["state", "created_at"])]

    def __str__(self):
        return f"{self.task_name}{tuple(self.args)} ({self.state})"

    def send(self):
        """Hand the job to Celery; leave it pending if the broker does not answer."""
        task = registered_task(self.task_name)
        try:
            task.apply_async(args=self.args, kwargs={"job_id": self.pk}, retry=False)
        except Exception as error:  # noqa: BLE001 - any broker failure leaves the job pending
            logger.warning("Broker unavailable, job %s stays pending: %s", self.pk, error)
            Job.objects.filter(pk=self.pk, state=Job.State.PENDING).update(
                last_error=str(error)[:1000]
            )
            return False
        Job.objects.filter(pk=self.pk).exclude(state__in=[Job.State.DONE, Job.State.FAILED]).update(
            state=Job.State.SENT, sent_at=timezone.now(), sends=models.F("sends") + 1
        )
        return True


def registered_task(name):
    """The Celery task called `name`. A job may name a task that this process never imported
    (code on a lower layer asking for a higher layer's work): then every task module is
    loaded, as a worker does at start."""
    if name not in current_app.tasks:
        current_app.loader.import_default_modules()
    return current_app.tasks[name]


def runs_in_process():
    """True when Celery runs jobs eagerly (no broker: the embedded default), in the process and
    the request that enqueues them once its transaction commits."""
    return bool(current_app.conf.task_always_eager)


def enqueue(task, *args):
    """Record `task(*args)` as a job and send it to Celery after the current transaction commits."""
    return enqueue_named(task.name, *args)


def enqueue_named(task_name, *args):
    """`enqueue` for a task named rather than imported: code on a lower layer can ask for work
    that a higher layer defines."""
    job = Job.objects.create(task_name=task_name, args=list(args))
    transaction.on_commit(job.send)
    return job


class JobInterrupted(Exception):
    """The job's runs keep dying with their worker process; it is not run again."""


class JobTask(Task):
    """Base class for tasks run as jobs: records the outcome on the Job row."""

    def before_start(self, task_id, args, kwargs):
        job_id = kwargs.get("job_id")
        if job_id is None or self.request.is_eager:
            # An eager run dies with the process that asked for it: nothing hands it out again.
            return
        jobs = Job.objects.filter(pk=job_id)
        jobs.update(interrupted_runs=models.F("interrupted_runs") + 1)
        unfinished = jobs.values_list("interrupted_runs", flat=True).first() or 0
        if unfinished > MAX_INTERRUPTED_RUNS:
            # Raised before the task runs, this fails it (on_failure) without a retry.
            raise JobInterrupted(
                f"The worker stopped {unfinished - 1} times in a row while running this job."
            )

    def after_return(self, status, retval, task_id, args, kwargs, einfo):
        job_id = kwargs.get("job_id")
        if job_id is not None:
            Job.objects.filter(pk=job_id).update(interrupted_runs=0)

    def on_success(self, retval, task_id, args, kwargs):
        finish(kwargs.get("job_id"), Job.State.DONE)

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        finish(kwargs.get("job_id"), Job.State.FAILED, error=repr(exc))


def finish(job_id, state, error=""):
    if job_id is not None:
        Job.objects.filter(pk=job_id).update(
            state=state, finished_at=timezone.now(), last_error=error[:1000]
        )


@shared_task(name="prototypes.jobs.sweep_pending_jobs")
def sweep_pending_jobs():
    """Send jobs whose send failed or whose message was lost; returns how many were sent."""
    now = timezone.now()
    stale = Job.objects.filter(
        models.Q(state=Job.State.PENDING, created_at__lt=now - PENDING_GRACE)
        | models.Q(state=Job.State.SENT, sent_at__lt=now - LOST_AFTER)
    ).order_by("created_at")[:500]
    sent = 0
    for job in stale:
        if not job.send():
            break
        sent += 1
    return sent
