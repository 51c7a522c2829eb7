import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from prototypes.workspaces.models import Invitation, Membership, Role, Workspace
from tests import factories


@pytest.fixture(autouse=True)
def locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_sign_up_creates_a_user_who_owns_a_new_workspace(client, db):
    response = client.post(
        reverse("signup"),
        {
            "email": "Ada@Example.com",
            "workspace_name": "Checkout team",
            "password1": "a long enough passphrase",
            "password2": "a long enough passphrase",
        },
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user__email="ada@example.com")
    assert membership.role == Role.OWNER
    assert membership.workspace.name == "Checkout team"
    assert client.get(reverse("dashboard")).status_code == 200


def test_sign_up_refuses_a_taken_email_and_changes_nothing(client, owner):
    response = client.post(
        reverse("signup"),
        {
            "email": owner.email.upper(),
            "workspace_name": "Other",
            "password1": "a long enough passphrase",
            "password2": "a long enough passphrase",
        },
    )
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert Workspace.objects.count() == 1


def test_log_in_and_out(client, owner):
    response = client.post(
        reverse("login"), {"username": owner.username, "password": "correct horse battery staple"}
    )
    assert response.status_code == 302
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("dashboard")).status_code == 302


def test_repeated_failed_logins_are_throttled_with_retry_after(client, owner, rate_limit_clock):
    for _ in range(5):
        response = client.post(reverse("login"), {"username": owner.username, "password": "no"})
        assert response.status_code == 200
    response = client.post(
        reverse("login"), {"username": owner.username, "password": "correct horse battery staple"}
    )
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many attempts" in response.content.decode()


def test_password_reset_sends_a_working_single_use_link(client, owner):
    client.post(reverse("password_reset"), {"email": owner.email})
    assert len(mail.outbox) == 1
    link = re.search(r"http://\S+/password-reset/\S+/\S+/", mail.outbox[0].body).group(0)
    response = client.get(link, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url, {"new_password1": "brand new passphrase", "new_password2": "brand new passphrase"}
    )
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password("brand new passphrase")
    assert "invalid" in client.get(link, follow=True).content.decode()


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
