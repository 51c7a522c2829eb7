from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from prototypes.workspaces.models import Invitation, Membership, Role
from tests import factories


@pytest.fixture(autouse=True)
def locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_owner_invites_a_colleague_who_joins_once(
    client, owner, workspace, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("workspace_members", args=[workspace.pk]),
            {"email": "new@example.com", "role": "viewer"},
        )
    assert mail.outbox[0].to == ["new@example.com"]
    assert mail.outbox[0].alternatives, "the invitation has an HTML part"
    invitation = Invitation.objects.get()
    assert invitation.token in mail.outbox[0].body

    colleague = factories.UserFactory(username="new@example.com")
    client.force_login(colleague)
    response = client.post(reverse("invitation_accept", args=[invitation.token]))
    assert response.status_code == 302
    assert Membership.objects.get(user=colleague).role == Role.VIEWER

    third = factories.UserFactory()
    client.force_login(third)
    client.post(reverse("invitation_accept", args=[invitation.token]))
    assert not Membership.objects.filter(user=third).exists()


def test_an_expired_invitation_cannot_be_used(client, workspace):
    invitation = factories.InvitationFactory(
        workspace=workspace, expires_at=timezone.now() - timedelta(minutes=1)
    )
    user = factories.UserFactory()
    client.force_login(user)
    client.post(reverse("invitation_accept", args=[invitation.token]))
    assert not Membership.objects.filter(user=user).exists()


def test_only_owners_invite(client, designer, workspace):
    client.force_login(designer)
    response = client.post(
        reverse("workspace_members", args=[workspace.pk]),
        {"email": "new@example.com", "role": "viewer"},
    )
    assert response.status_code == 403
    assert Invitation.objects.count() == 0


def test_the_last_owner_cannot_be_removed_or_demoted(client, owner):
    client.force_login(owner)
    membership = owner.memberships.get()
    client.post(reverse("membership_update", args=[membership.pk]), {"remove": "1"})
    client.post(reverse("membership_update", args=[membership.pk]), {"role": "viewer"})
    membership.refresh_from_db()
    assert membership.role == Role.OWNER


def test_owner_changes_a_role(client, owner, designer):
    client.force_login(owner)
    membership = designer.memberships.get()
    client.post(reverse("membership_update", args=[membership.pk]), {"role": "viewer"})
    membership.refresh_from_db()
    assert membership.role == Role.VIEWER


def test_switching_to_a_workspace_of_someone_else_is_404(client, owner):
    client.force_login(owner)
    elsewhere = factories.WorkspaceFactory()
    assert client.post(reverse("workspace_switch", args=[elsewhere.pk])).status_code == 404


def test_switching_workspace_changes_the_dashboard(client, owner):
    second = factories.MembershipFactory(user=owner, role=Role.VIEWER).workspace
    client.force_login(owner)
    client.post(reverse("workspace_switch", args=[second.pk]))
    assert client.get(reverse("dashboard")).context["workspace"] == second


def test_healthz_reports_the_database(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["checks"]["database"] == {"ok": True}


def test_healthz_is_503_when_a_configured_service_is_down(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["checks"]["redis"]["ok"] is False
