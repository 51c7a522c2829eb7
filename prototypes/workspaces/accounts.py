"""Sign-up, log-in and password reset, written so that none of them tells a stranger whether an
address has an account, and none can be used to flood a mailbox or lock an owner out.

Sign-up asks for an address first and mails a link; the password is chosen on the page the link
opens, so an account exists only once its owner has proved the address is theirs. An address
that already has an account gets the same "check your email" answer, and its owner an email
saying so. Log-in failures are counted per address and account together (an attacker elsewhere
cannot lock the owner out), with a per-account ceiling that only distributed guessing reaches.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.views import LoginView, PasswordResetView
from django.core import signing
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from prototypes.jobs import enqueue
from prototypes.ratelimit import Limit, client_ip, rate_limited, record, retry_after
from prototypes.workspaces import services
from prototypes.workspaces.access import public_view
from prototypes.workspaces.forms import SignUpForm
from prototypes.workspaces.tasks import send_account_exists_email, send_sign_up_link

User = get_user_model()

# Failed log-ins for one account from one address: the owner elsewhere is not affected.
FAILED_LOGINS = Limit("failed-login", requests=5, seconds=15 * 60)
# Failed log-ins for one account from anywhere: far above what one person mistypes, so only
# guessing spread over many addresses reaches it.
FAILED_LOGINS_PER_ACCOUNT = Limit("failed-login-account", requests=100, seconds=60 * 60)
LOGIN_ATTEMPTS = Limit("login", requests=30, seconds=60)
SIGNUPS = Limit("signup", requests=10, seconds=60 * 60)
# Account emails (sign-up links, password resets) per client address and per recipient.
ACCOUNT_MAILS_PER_ADDRESS = Limit("account-mail-address", requests=10, seconds=60 * 60)
ACCOUNT_MAILS_PER_EMAIL = Limit("account-mail-email", requests=3, seconds=60 * 60)


def safe_next(request: HttpRequest, target: str | None) -> str | None:
    """`target` if it stays on this site (never https://evil.example/ or //evil.example/)."""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def may_send_account_email(request: HttpRequest, email: str) -> bool:
    """Whether one more account email may go to `email` at this client's request. Over the limit
    the page answers as if it had been sent, so the answer says nothing about the account."""
    return (
        retry_after(ACCOUNT_MAILS_PER_ADDRESS, client_ip(request)) is None
        and retry_after(ACCOUNT_MAILS_PER_EMAIL, email.lower()) is None
    )


class ThrottledLoginView(LoginView):
    """Django's log-in, refusing further tries for an account from an address after repeated
    failures there, and for the account from anywhere past a much higher ceiling."""

    def post(self, request, *args, **kwargs):
        ip = client_ip(request)
        account = request.POST.get("username", "").strip().lower()
        seconds = (
            retry_after(FAILED_LOGINS, f"{ip}:{account}", count=False)
            or retry_after(FAILED_LOGINS_PER_ACCOUNT, account, count=False)
            or retry_after(LOGIN_ATTEMPTS, ip)
        )
        if seconds is not None:
            context = self.get_context_data(form=self.get_form(), retry_minutes=-(-seconds // 60))
            response = self.render_to_response(context, status=429)
            response["Retry-After"] = str(seconds)
            return response
        response = super().post(request, *args, **kwargs)
        if not request.user.is_authenticated:
            record(FAILED_LOGINS, f"{ip}:{account}")
            record(FAILED_LOGINS_PER_ACCOUNT, account)
        return response


login_view = public_view(ThrottledLoginView.as_view())


class ThrottledPasswordResetView(PasswordResetView):
    """Django's password reset, sending at most a few emails per client and per address."""

    def form_valid(self, form):
        if not may_send_account_email(self.request, form.cleaned_data["email"]):
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


password_reset = public_view(ThrottledPasswordResetView.as_view())


@public_view
@rate_limited(SIGNUPS)
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if may_send_account_email(request, email):
            existing = User.objects.filter(username__iexact=email).first()
            with transaction.atomic():
                if existing is not None:
                    enqueue(send_account_exists_email, existing.pk)
                else:
                    enqueue(
                        send_sign_up_link,
                        email,
                        form.cleaned_data["workspace_name"],
                        safe_next(request, request.GET.get("next")) or "",
                    )
        return redirect("signup_sent")
    return render(request, "registration/signup.html", {"form": form})


@public_view
def signup_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "registration/signup_sent.html")


@public_view
def signup_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The page the sign-up email links to: choose a password, and the account is created."""
    try:
        sign_up = services.read_sign_up_token(token)
    except signing.BadSignature:
        return render(request, "registration/signup_confirm.html", {"invalid": True}, status=400)
    if User.objects.filter(username__iexact=sign_up["email"]).exists():
        messages.info(request, "Your account is ready: log in with your email and password.")
        return redirect("login")
    user = User(username=sign_up["email"], email=sign_up["email"])
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                form.save()
                services.create_workspace(user, sign_up["workspace"])
        except IntegrityError:
            # The same link, submitted twice at once: the first made the account.
            return redirect("login")
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Welcome! Start by creating a prototype.")
        return redirect(safe_next(request, sign_up["next"]) or reverse("dashboard"))
    return render(
        request, "registration/signup_confirm.html", {"form": form, "email": sign_up["email"]}
    )
