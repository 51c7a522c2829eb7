"""Sign-up, log-in and password reset (prototypes/workspaces/accounts.py): what a stranger can
learn from them, and what they let a stranger do to an owner."""

import re

import pytest
from django.core import mail, signing
from django.urls import reverse

from prototypes.jobs import Job
from prototypes.workspaces.models import Membership, Role, Workspace
from tests import factories

PASSWORD = "correct horse battery staple"
EVIL = ["https://evil.example/x", "//evil.example/x", "https:evil.example", "/\\evil.example"]


@pytest.fixture(autouse=True)
def locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def sign_up(client, django_capture_on_commit_callbacks):
    """`sign_up(email, next=None)` posts the sign-up form and runs the jobs it enqueues."""

    def sign_up(email, next=None, **extra):
        url = reverse("signup") + (f"?next={next}" if next else "")
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, {"email": email, "workspace_name": "Checkout team"}, **extra)

    return sign_up


def emailed_link(message):
    return re.search(r"http://\S+", message.body).group(0)


def choose_password(client, link):
    return client.post(link, {"new_password1": PASSWORD, "new_password2": PASSWORD})


# Sign-up


def test_sign_up_mails_a_link_and_the_account_exists_once_its_password_is_chosen(
    client, db, sign_up
):
    response = sign_up("Ada@Example.com")
    assert response.status_code == 302
    assert response.url == reverse("signup_sent")
    assert not Workspace.objects.exists(), "nothing exists before the address is proved"
    [message] = mail.outbox
    assert message.to == ["ada@example.com"]

    response = client.get(emailed_link(message))
    assert response.status_code == 200
    assert "ada@example.com" in response.content.decode()
    response = choose_password(client, emailed_link(message))
    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    membership = Membership.objects.get(user__email="ada@example.com")
    assert membership.role == Role.OWNER
    assert membership.workspace.name == "Checkout team"
    assert membership.user.check_password(PASSWORD)
    assert client.get(reverse("dashboard")).status_code == 200


def test_sign_up_with_a_taken_email_answers_as_for_a_new_one_and_emails_the_owner(
    client, owner, sign_up
):
    new = sign_up("someone-new@example.com")
    taken = sign_up(owner.email.upper())
    assert (taken.status_code, taken.url) == (new.status_code, new.url)
    page = client.get(taken.url).content.decode()
    assert "Check your email" in page
    assert "already exists" not in page
    assert Workspace.objects.count() == 1
    assert Membership.objects.filter(user=owner).count() == 1
    to_owner = mail.outbox[-1]
    assert to_owner.to == [owner.email]
    assert "already has one" in to_owner.body
    assert reverse("password_reset") in to_owner.body
    assert Job.objects.filter(task_name="prototypes.workspaces.send_account_exists_email").exists()


def test_a_sign_up_link_is_refused_once_forged_and_spent(client, db, sign_up):
    sign_up("ada@example.com")
    link = emailed_link(mail.outbox[0])
    payload, _, signature = link.rstrip("/").rsplit("/", 1)[1].partition(":")
    eve = signing.b64_encode(b'{"email":"eve@example.com","workspace":"W","next":""}').decode()
    for forged in [f"{eve}:{signature}", f"{payload}:{signature[:-2]}xx"]:
        assert client.get(reverse("signup_confirm", args=[forged])).status_code == 400
    choose_password(client, link)
    client.logout()
    response = choose_password(client, link)
    assert response.status_code == 302
    assert response.url == reverse("login")
    assert Workspace.objects.count() == 1


@pytest.mark.parametrize("target", EVIL)
def test_sign_up_never_sends_the_new_owner_to_another_site(client, db, sign_up, target):
    response = sign_up("ada@example.com", next=target)
    assert "evil" not in response.url
    response = choose_password(client, emailed_link(mail.outbox[0]))
    assert response.status_code == 302
    assert response.url == reverse("dashboard")


def test_sign_up_returns_to_a_page_of_this_site(client, workspace, sign_up):
    invitation = factories.InvitationFactory(workspace=workspace)
    target = reverse("invitation_accept", args=[invitation.token])
    sign_up("ada@example.com", next=target)
    response = choose_password(client, emailed_link(mail.outbox[0]))
    assert response.url == target


@pytest.mark.parametrize("target", EVIL)
def test_log_in_never_sends_the_user_to_another_site(client, owner, target):
    response = client.post(
        reverse("login") + f"?next={target}", {"username": owner.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert "evil" not in response.url


def test_sign_up_mails_at_most_three_times_an_hour_to_one_address(
    client, owner, sign_up, rate_limit_clock
):
    for number in range(6):
        response = sign_up(owner.email, REMOTE_ADDR=f"10.0.0.{number}")
        assert response.url == reverse("signup_sent")
    assert len(mail.outbox) == 3


# Log-in


def test_log_in_and_out(client, owner):
    response = client.post(reverse("login"), {"username": owner.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("dashboard")).status_code == 302


def log_in(client, user, password, address):
    return client.post(
        reverse("login"), {"username": user.username, "password": password}, REMOTE_ADDR=address
    )


def test_failed_logins_throttle_that_address_for_that_account_only(client, owner, rate_limit_clock):
    for _ in range(5):
        assert log_in(client, owner, "wrong", "203.0.113.9").status_code == 200
    refused = log_in(client, owner, PASSWORD, "203.0.113.9")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Too many attempts" in refused.content.decode()
    # The owner, from another address, still gets in.
    assert log_in(client, owner, PASSWORD, "198.51.100.7").status_code == 302
    # And another account from the throttled address is not affected.
    client.logout()
    colleague = factories.MembershipFactory().user
    assert log_in(client, colleague, PASSWORD, "203.0.113.9").status_code == 302


def test_guessing_spread_over_many_addresses_hits_a_per_account_ceiling(
    client, owner, rate_limit_clock
):
    for number in range(100):
        response = log_in(client, owner, "wrong", f"10.0.{number // 4}.{number % 4}")
        assert response.status_code == 200
    assert log_in(client, owner, PASSWORD, "192.0.2.1").status_code == 429
    # The ceiling is the account's: others log in as usual.
    colleague = factories.MembershipFactory().user
    assert log_in(client, colleague, PASSWORD, "192.0.2.1").status_code == 302


# Password reset


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


def test_password_reset_for_one_address_stops_mailing_before_the_thirteenth_request(
    client, owner, rate_limit_clock
):
    answers = set()
    for number in range(13):
        sent_before = len(mail.outbox)
        response = client.post(
            reverse("password_reset"), {"email": owner.email}, REMOTE_ADDR=f"10.0.0.{number}"
        )
        answers.add((response.status_code, response.url))
    assert len(mail.outbox) == 3
    assert len(mail.outbox) == sent_before, "the 13th request sent no mail"
    assert answers == {(302, reverse("password_reset_done"))}, "throttled or not, one answer"


def test_password_reset_from_one_client_stops_mailing_before_the_thirteenth_request(
    client, db, rate_limit_clock
):
    users = [factories.MembershipFactory().user for _ in range(13)]
    answers = set()
    for user in users:
        response = client.post(reverse("password_reset"), {"email": user.email})
        answers.add((response.status_code, response.url))
    assert len(mail.outbox) == 10
    assert users[-1].email not in {message.to[0] for message in mail.outbox}
    assert answers == {(302, reverse("password_reset_done"))}
