"""A real Celery worker sends an invitation to a mail server that refuses it: the task retries
with backoff, then the invitation shows that the mail server refused it."""

import socketserver
import sys
import threading
from pathlib import Path

import pytest
from django.db import transaction

from protoplatform.celery import app
from prototypes.jobs import Job
from prototypes.recruitment import panel
from prototypes.recruitment.models import Contact, StudyInvitation
from prototypes.studies.models import Study
from tests import factories
from tests.integration.conftest import start_worker, stop_worker, wait_for_worker, wait_until

pytestmark = pytest.mark.integration

MAX_RETRIES = 2


class RefusingSMTPHandler(socketserver.StreamRequestHandler):
    """Greets like a mail server, then refuses every sender with a permanent error."""

    def reply(self, line):
        self.wfile.write(line + b"\r\n")

    def handle(self):
        with self.server.lock:
            self.server.connections += 1
        self.reply(b"220 refusing.test ESMTP")
        for line in self.rfile:
            command = line.strip().upper()
            if command.startswith((b"EHLO", b"HELO")):
                self.reply(b"250 refusing.test")
            elif command.startswith(b"MAIL FROM"):
                with self.server.lock:
                    self.server.refusals += 1
                self.reply(b"554 5.7.1 Refused")
            elif command.startswith(b"RSET"):
                self.reply(b"250 OK")
            elif command.startswith(b"QUIT"):
                self.reply(b"221 Bye")
                return
            else:
                self.reply(b"502 5.5.2 Not implemented")


class RefusingSMTPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), RefusingSMTPHandler)
        self.lock = threading.Lock()
        self.connections = 0
        self.refusals = 0


@pytest.fixture
def refusing_smtp():
    server = RefusingSMTPServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def worker_sending_to(refusing_smtp, transactional_db, tmp_path, monkeypatch):
    """A worker whose email goes to the refusing server, with short retry delays.

    The worker reads its settings from the environment it inherits, so they are set first.
    """
    monkeypatch.setenv("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
    monkeypatch.setenv("EMAIL_HOST", "127.0.0.1")
    monkeypatch.setenv("EMAIL_PORT", str(refusing_smtp.server_address[1]))
    monkeypatch.setenv("EMAIL_USE_TLS", "0")
    monkeypatch.setenv("RECRUITMENT_EMAIL_RETRY_BACKOFF", "1")
    monkeypatch.setenv("RECRUITMENT_EMAIL_MAX_RETRIES", str(MAX_RETRIES))
    app.control.purge()
    process = start_worker(tmp_path / "worker.log", "recruitment-email-worker")
    try:
        wait_for_worker(process)
        yield process
    finally:
        stop_worker(process)
        sys.stdout.write(Path(process.log_path).read_text()[-4000:])


def test_a_refused_invitation_is_retried_then_shown_as_refused(
    refusing_smtp, worker_sending_to, owner, workspace
):
    study = factories.StudyFactory(workspace=workspace, state=Study.State.LIVE)
    factories.ContactFactory(workspace=workspace, email="ada@example.com")
    with transaction.atomic():
        panel.invite(study, Contact.objects.filter(workspace=workspace), owner)
    invitation = StudyInvitation.objects.get()

    def settled():
        invitation.refresh_from_db()
        return invitation.status != StudyInvitation.Status.PENDING

    assert wait_until(settled, timeout=60)
    attempts = MAX_RETRIES + 1
    assert invitation.status == StudyInvitation.Status.BOUNCED
    assert invitation.error == f"554 5.7.1 Refused (after {attempts} attempts)"
    assert invitation.sent_at is None
    # Every attempt reached the server: the task retried rather than giving up at once.
    assert refusing_smtp.connections == attempts
    assert refusing_smtp.refusals == attempts
    job = Job.objects.get(task_name="prototypes.recruitment.send_invitation_email")
    assert wait_until(lambda: Job.objects.get(pk=job.pk).state == Job.State.FAILED)
