from pathlib import Path

import pytest
from django.urls import reverse

from prototypes.jobs import Job
from prototypes.workspaces.models import Invitation
from tests.integration.conftest import wait_until

pytestmark = pytest.mark.integration


def test_invitation_email_is_sent_by_a_real_worker_through_redis(client, owner, celery_worker):
    client.force_login(owner)
    workspace = owner.memberships.get().workspace
    response = client.post(
        reverse("workspace_members", args=[workspace.pk]),
        {"email": "colleague@example.com", "role": "designer"},
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get(email="colleague@example.com")
    job = Job.objects.get(task_name="prototypes.workspaces.send_invitation_email")

    assert wait_until(lambda: Job.objects.get(pk=job.pk).state == Job.State.DONE)
    invitation.refresh_from_db()
    assert invitation.sent_at is not None
    # The console email backend printed the message in the worker process, not in this one.
    assert "To: colleague@example.com" in Path(celery_worker.log_path).read_text()


def test_healthz_sees_postgresql_redis_and_the_worker(client, celery_worker):
    response = client.get("/healthz")
    assert response.status_code == 200, response.json()
    checks = response.json()["checks"]
    assert checks["database"]["ok"] and checks["redis"]["ok"]
    assert checks["celery_workers"] == {"ok": True, "workers": 1}


def test_healthz_is_503_without_a_worker(client, transactional_db):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["celery_workers"]["ok"] is False
