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
