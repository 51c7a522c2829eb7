"""Webhooks: each happening told once per endpoint, signed, tried again, logged, and the URL
checked so that a workspace owner cannot make the server post into its own network."""

import json
import logging
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from standardwebhooks.webhooks import Webhook

from prototypes import analysis
from prototypes.models import Study
from prototypes.reports import exports
from prototypes.reports.models import ReportExport
from prototypes.studies import services as study_services
from prototypes.webhooks import services, tasks
from prototypes.webhooks.delivery import body, headers, slack_text
from prototypes.webhooks.models import Delivery, DeliveryAttempt, Endpoint, EventType
from prototypes.webhooks.verdicts import check_verdicts
from tests import factories
from tests.unit.test_player_support import (
    build_player_study,
    direct_run,
    event,
    new_session,
    post_events,
)
from tests.webhook_receiver import Receiver

ROOT = Path(__file__).resolve().parents[2]

# Deliveries are sent after the commit, as in production.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def local_hooks(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True
    settings.WEBHOOK_RETRY_DELAYS = [0, 0]


@pytest.fixture
def receiver(local_hooks):
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


def endpoint_for(workspace, receiver, events=EventType.values, **fields):
    return Endpoint.objects.create(
        workspace=workspace, url=receiver.url, events=list(events), **fields
    )


def finish_session(client, setup):
    session = new_session(setup)
    post_events(client, session, [*direct_run(setup), event("session_end", 20000)])
    return session


def test_a_finished_participant_is_told_once_and_signed(client, receiver):
    setup = build_player_study()
    endpoint = endpoint_for(setup.study.workspace, receiver, [EventType.PARTICIPANT_FINISHED])
    receiver.secret = endpoint.secret

    session = finish_session(client, setup)
    # The browser sends its last batch again: nothing more is told.
    post_events(client, session, [event("session_end", 20001)])

    assert len(receiver.accepted) == 1
    request = receiver.accepted[0]
    assert request.verified["type"] == "participant.finished"
    assert request.verified["data"]["session"]["id"] == session.pk
    assert request.verified["data"]["study"]["title"] == setup.study.title
    delivery = Delivery.objects.get()
    assert request.headers["webhook-id"] == delivery.message_id
    assert delivery.state == Delivery.State.DELIVERED
    assert list(delivery.attempt_log.values_list("status_code", flat=True)) == [200]


def test_a_tampered_body_fails_the_receivers_check(receiver, workspace):
    endpoint = endpoint_for(workspace, receiver)
    delivery = Delivery.objects.create(
        endpoint=endpoint, event_type="study.closed", happening="x", payload={"data": {}}
    )
    text = body(delivery)
    signed = headers(delivery, text)
    Webhook(endpoint.secret).verify(text, signed)
    with pytest.raises(Exception, match="signature"):
        Webhook(endpoint.secret).verify(text.replace("{}", '{"a":1}'), signed)


def test_only_active_endpoints_that_asked_for_the_event_get_it(workspace, local_hooks):
    wanted = Endpoint.objects.create(
        workspace=workspace, url="http://127.0.0.1:9/a", events=["study.closed"]
    )
    Endpoint.objects.create(
        workspace=workspace, url="http://127.0.0.1:9/b", events=["export.ready"]
    )
    Endpoint.objects.create(
        workspace=workspace, url="http://127.0.0.1:9/c", events=["study.closed"], is_active=False
    )
    Endpoint.objects.create(
        workspace=factories.WorkspaceFactory(), url="http://127.0.0.1:9/d", events=["study.closed"]
    )

    created = services.emit(workspace.pk, EventType.STUDY_CLOSED, "study:1", {})
    again = services.emit(workspace.pk, EventType.STUDY_CLOSED, "study:1", {})

    assert [delivery.endpoint for delivery in created] == [wanted]
    assert again == []


def test_a_failing_receiver_is_tried_again_until_it_accepts(receiver, workspace):
    receiver.statuses = [500, 503]
    endpoint = endpoint_for(workspace, receiver)
    receiver.secret = endpoint.secret
    (delivery,) = services.emit(workspace.pk, EventType.STUDY_CLOSED, "study:9", {"study": {}})
    tasks.deliver(delivery.pk, 0)

    # Tasks run in the request here: a retry waits for the sweep rather than block it.
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PENDING and delivery.next_attempt_at is not None
    assert tasks.send_due_deliveries() == 1
    assert tasks.send_due_deliveries() == 1
    assert tasks.send_due_deliveries() == 0

    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.DELIVERED
    assert [r.status for r in receiver.received] == [500, 503, 200]
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1
    assert list(delivery.attempt_log.values_list("number", "status_code")) == [
        (1, 500),
        (2, 503),
        (3, 200),
    ]


def test_an_attempt_is_made_once_however_often_it_is_sent(receiver, workspace):
    endpoint = endpoint_for(workspace, receiver)
    delivery = Delivery.objects.create(
        endpoint=endpoint, event_type="study.closed", happening="y", payload={"data": {}}
    )
    assert tasks.deliver(delivery.pk, 0) == "delivered"
    assert tasks.deliver(delivery.pk, 0) == "already attempted"
    assert len(receiver.received) == 1


def test_an_endpoint_that_keeps_failing_is_disabled_and_its_owners_emailed(
    receiver, workspace, owner, settings
):
    settings.WEBHOOK_RETRY_DELAYS = []
    receiver.statuses = [500] * tasks.DISABLE_AFTER
    endpoint = endpoint_for(workspace, receiver)
    for number in range(tasks.DISABLE_AFTER):
        services.emit(workspace.pk, EventType.STUDY_CLOSED, f"study:{number}", {})

    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert "5 deliveries in a row failed" in endpoint.disabled_reason
    assert [message.to for message in mail.outbox] == [[owner.email]]
    assert endpoint.url in mail.outbox[0].body
    # Disabled, it is told nothing more.
    assert services.emit(workspace.pk, EventType.STUDY_CLOSED, "study:99", {}) == []


def test_a_success_resets_the_count_of_failures(receiver, workspace, settings):
    settings.WEBHOOK_RETRY_DELAYS = []
    receiver.statuses = [500] * (tasks.DISABLE_AFTER - 1)
    endpoint = endpoint_for(workspace, receiver)
    for number in range(tasks.DISABLE_AFTER):
        services.emit(workspace.pk, EventType.STUDY_CLOSED, f"study:{number}", {})
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.failures_in_a_row == 0


@pytest.mark.parametrize(
    "url, address, message",
    [
        ("http://127.0.0.1:8000/", "127.0.0.1", "private network"),
        ("http://metadata/", "169.254.169.254", "private network"),
        ("https://intranet.example/", "10.0.0.5", "private network"),
        ("https://v6.example/", "::1", "private network"),
        ("https://v6.example/", "fd00::1", "private network"),
        ("http://0x7f000001/", "127.0.0.1", "private network"),
        ("ftp://files.example/", "93.184.216.34", "https://"),
        ("https://user:secret@hooks.example/", "93.184.216.34", "user name"),
    ],
)
def test_urls_into_private_networks_are_refused(monkeypatch, url, address, message):
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kw: [(0, 0, 0, "", (address, 443))])
    with pytest.raises(services.UnsafeURL, match=message):
        services.check_url(url)


def test_a_public_url_is_accepted(monkeypatch):
    monkeypatch.setattr(
        socket, "getaddrinfo", lambda *args, **kw: [(0, 0, 0, "", ("93.184.216.34", 443))]
    )
    assert {str(a) for a in services.check_url("https://hooks.example/in")} == {"93.184.216.34"}


def test_a_name_that_later_points_inside_is_refused_at_delivery(monkeypatch, workspace):
    Endpoint.objects.create(
        workspace=workspace, url="https://rebind.example/", events=["study.closed"]
    )
    monkeypatch.setattr(
        socket, "getaddrinfo", lambda *args, **kw: [(0, 0, 0, "", ("127.0.0.1", 443))]
    )
    (delivery,) = services.emit(workspace.pk, EventType.STUDY_CLOSED, "study:1", {})
    attempt = DeliveryAttempt.objects.get(delivery=delivery)
    assert attempt.status_code is None and "private network" in attempt.error


def test_the_owner_adds_a_webhook_and_a_bad_url_changes_nothing(
    owner_client, workspace, monkeypatch
):
    monkeypatch.setattr(
        socket, "getaddrinfo", lambda *args, **kw: [(0, 0, 0, "", ("10.1.2.3", 443))]
    )
    url = reverse("webhook_list", args=[workspace.pk])
    response = owner_client.post(
        url, {"url": "https://internal.example/", "events": ["study.closed"], "format": "standard"}
    )
    assert response.status_code == 200
    assert "only sent to public addresses" in response.content.decode()
    assert not Endpoint.objects.exists()

    response = owner_client.post(url, {"url": "https://internal.example/", "format": "standard"})
    assert "Choose at least one event" in response.content.decode()

    monkeypatch.setattr(
        socket, "getaddrinfo", lambda *args, **kw: [(0, 0, 0, "", ("93.184.216.34", 443))]
    )
    response = owner_client.post(
        url,
        {
            "url": "https://hooks.example/in",
            "events": ["study.closed", "verdict.changed"],
            "format": "slack",
        },
    )
    endpoint = Endpoint.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "webhook_detail", args=[endpoint.pk]
    )
    assert endpoint.events == ["study.closed", "verdict.changed"]
    assert endpoint.secret.startswith("whsec_")
    assert endpoint.secret in owner_client.get(response.url).content.decode()


def test_re_enabling_a_disabled_webhook_clears_its_failures(owner_client, workspace, monkeypatch):
    monkeypatch.setattr(
        socket, "getaddrinfo", lambda *args, **kw: [(0, 0, 0, "", ("93.184.216.34", 443))]
    )
    endpoint = Endpoint.objects.create(
        workspace=workspace,
        url="https://hooks.example/in",
        events=["study.closed"],
        is_active=False,
        failures_in_a_row=5,
        disabled_reason="Disabled after 5 deliveries in a row failed.",
    )
    owner_client.post(
        reverse("webhook_detail", args=[endpoint.pk]),
        {"url": endpoint.url, "events": ["study.closed"], "format": "standard", "is_active": "on"},
    )
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.failures_in_a_row == 0 and not endpoint.disabled_reason


def test_the_delivery_log_takes_the_same_queries_however_long(owner_client, workspace):
    endpoint = Endpoint.objects.create(workspace=workspace, url="https://h.example/", events=[])
    url = reverse("webhook_detail", args=[endpoint.pk])

    def add(count):
        for _ in range(count):
            delivery = Delivery.objects.create(
                endpoint=endpoint,
                event_type="study.closed",
                happening=str(Delivery.objects.count()),
                payload={},
            )
            DeliveryAttempt.objects.create(delivery=delivery, number=1, status_code=500)

    add(1)
    with CaptureQueriesContext(connection) as few:
        owner_client.get(url)
    add(20)
    with CaptureQueriesContext(connection) as many:
        response = owner_client.get(url)
    assert len(many) == len(few)
    assert response.content.decode().count("HTTP 500") == 21


def test_a_delivery_is_sent_again_by_hand(owner_client, receiver, workspace):
    endpoint = endpoint_for(workspace, receiver)
    (delivery,) = services.emit(workspace.pk, EventType.STUDY_CLOSED, "study:1", {})
    response = owner_client.post(reverse("delivery_redeliver", args=[delivery.pk]))
    assert response.status_code == 302
    assert len(receiver.accepted) == 2
    assert list(delivery.attempt_log.values_list("by_hand", flat=True)) == [False, True]
    assert endpoint.deliveries.get().state == Delivery.State.DELIVERED


def test_closing_a_study_and_an_export_are_told(receiver, workspace, study):
    endpoint_for(workspace, receiver)
    study.state = Study.State.LIVE
    study.save()
    study_services.transition(study, Study.State.CLOSED)
    export = ReportExport.objects.create(study=study, kind=ReportExport.Kind.JSON)
    exports.build(export)
    types = [json.loads(r.body)["type"] for r in receiver.accepted]
    assert types == ["study.closed", "export.ready"]
    assert json.loads(receiver.accepted[1].body)["data"]["download_url"].endswith(
        reverse("report_export_download", args=[export.pk])
    )


def test_criteria_settling_and_the_verdict_changing_are_told_once(client, receiver):
    setup = build_player_study()
    factories.CriterionFactory(study=setup.study, task=setup.task, threshold=0.5, must_have=True)
    endpoint_for(
        setup.study.workspace, receiver, [EventType.CRITERION_SETTLED, EventType.VERDICT_CHANGED]
    )
    for _ in range(40):
        finish_session(client, setup)
        if receiver.accepted:
            break
    for _ in range(3):
        finish_session(client, setup)

    bodies = [json.loads(r.body) for r in receiver.accepted]
    assert [body["type"] for body in bodies] == ["criterion.settled", "verdict.changed"]
    assert bodies[0]["data"]["criterion"]["verdict"] == analysis.PASS
    assert (bodies[1]["data"]["previous"], bodies[1]["data"]["verdict"]) == (
        analysis.NOT_YET,
        analysis.GO,
    )
    assert check_verdicts(setup.study.pk) == "unchanged"


def test_verdicts_are_not_built_for_workspaces_without_such_webhooks(client, receiver):
    setup = build_player_study()
    endpoint_for(setup.study.workspace, receiver, [EventType.PARTICIPANT_FINISHED])
    finish_session(client, setup)
    assert not services.wants_verdicts(setup.study.workspace_id)
    assert [json.loads(r.body)["type"] for r in receiver.accepted] == ["participant.finished"]


def test_slack_messages_are_one_readable_line():
    data = {
        "study": {"title": "Order status"},
        "results_url": "https://p.example/r",
        "verdict": "GO",
        "previous": "NOT YET",
    }
    assert slack_text(EventType.VERDICT_CHANGED, data) == (
        "The verdict of “Order status” changed from NOT YET to GO."
        " <https://p.example/r|See the results>"
    )


def test_a_slack_endpoint_gets_a_text_message(receiver, workspace):
    endpoint_for(workspace, receiver, format=Endpoint.Format.SLACK)
    services.emit(workspace.pk, EventType.STUDY_CLOSED, "study:1", {"study": {"title": "T"}})
    assert json.loads(receiver.accepted[0].body) == {"text": "“T” was closed."}


def test_secrets_never_reach_the_logs(receiver, workspace, caplog):
    receiver.statuses = [500]
    endpoint = endpoint_for(workspace, receiver)
    with caplog.at_level(logging.DEBUG):
        services.emit(workspace.pk, EventType.STUDY_CLOSED, "study:1", {})
    assert endpoint.secret not in caplog.text
    assert endpoint.secret.removeprefix("whsec_") not in caplog.text


def test_a_process_that_never_imported_a_task_still_sends_it_by_name():
    """The player names the webhook tasks rather than import them (they sit on a higher layer):
    a web process that never imported them must still find them."""
    code = (
        "import django; django.setup();"
        "from celery import current_app;"
        "from prototypes.jobs import registered_task;"
        "assert 'prototypes.webhooks.deliver' not in current_app.tasks;"
        "assert registered_task('prototypes.webhooks.deliver').name.endswith('deliver')"
    )
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "protoplatform.settings"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=ROOT)


def test_a_redirect_is_not_followed_and_counts_as_a_failure(receiver, workspace):
    receiver.statuses = [302]
    endpoint_for(workspace, receiver)
    (delivery,) = services.emit(workspace.pk, EventType.STUDY_CLOSED, "study:1", {})
    attempt = delivery.attempt_log.get()
    assert attempt.status_code == 302 and attempt.error == "The endpoint answered 302."
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PENDING
