"""Record what endpoints must be told, and check where they may point."""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse

from prototypes.jobs import enqueue_named
from prototypes.studies.models import Study
from prototypes.webhooks.models import Delivery, Endpoint, EventType

DELIVER_TASK = "prototypes.webhooks.deliver"
CHECK_VERDICTS_TASK = "prototypes.webhooks.check_verdicts"
VERDICT_EVENTS = {EventType.CRITERION_SETTLED, EventType.VERDICT_CHANGED}


def emit(workspace_id, event_type, happening, data):
    """Record `event_type` for every active endpoint of the workspace that wants it.

    `happening` names what happened ("session:42"): an endpoint is told of it once, however
    often this runs. The posts are sent after the current transaction commits. Returns the
    new deliveries.
    """
    created = []
    for endpoint in Endpoint.objects.filter(workspace_id=workspace_id, is_active=True):
        if not endpoint.wants(event_type):
            continue
        try:
            with transaction.atomic():
                delivery = Delivery.objects.create(
                    endpoint=endpoint,
                    event_type=event_type,
                    happening=f"{event_type}:{happening}",
                    payload={"type": str(event_type), "data": data},
                )
        except IntegrityError:
            continue
        enqueue_named(DELIVER_TASK, delivery.pk, 0)
        created.append(delivery)
    return created


def wants_verdicts(workspace_id):
    """Whether any active endpoint of the workspace follows criteria or verdicts: only then
    is a study's report rebuilt after each participant to notice a change."""
    return any(
        endpoint.wants(event)
        for endpoint in Endpoint.objects.filter(workspace_id=workspace_id, is_active=True)
        for event in VERDICT_EVENTS
    )


def participant_finished(session_id, study_id, finished_at):
    """Tell the study's workspace that a participant finished, and look for verdict changes."""
    study = Study.objects.only("title", "workspace_id").get(pk=study_id)
    emit(
        study.workspace_id,
        EventType.PARTICIPANT_FINISHED,
        f"session:{session_id}",
        {
            "study": {"id": study.pk, "title": study.title},
            "session": {"id": session_id, "finished_at": finished_at.isoformat()},
            "results_url": results_url(study),
        },
    )
    if wants_verdicts(study.workspace_id):
        enqueue_named(CHECK_VERDICTS_TASK, study.pk)


def study_closed(study):
    emit(
        study.workspace_id,
        EventType.STUDY_CLOSED,
        f"study:{study.pk}",
        {
            "study": {"id": study.pk, "title": study.title},
            "closed_at": study.closed_at.isoformat() if study.closed_at else None,
            "results_url": results_url(study),
        },
    )


def export_ready(export, study, download_url):
    emit(
        study.workspace_id,
        EventType.EXPORT_READY,
        f"export:{export.pk}",
        {
            "study": {"id": study.pk, "title": study.title},
            "export": {"id": export.pk, "kind": export.kind},
            "download_url": download_url,
        },
    )


def results_url(study):
    return settings.SITE_URL + reverse("study_results", args=[study.pk])


class UnsafeURL(ValueError):
    """The URL points where the server must not post: its message says why, for the owner."""


def check_url(url):
    """Refuse a URL that is not http(s) or whose host resolves to a private, loopback,
    link-local or otherwise non-public address (unless WEBHOOKS_ALLOW_PRIVATE_NETWORKS, for
    a receiver on the same network); returns the addresses it resolves to.

    Checked when the endpoint is saved and again before every post, so a name that later
    resolves to an internal address (DNS rebinding) is caught at delivery.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UnsafeURL("The URL must start with https:// (or http://).")
    if parts.username or parts.password:
        raise UnsafeURL("Leave the user name and password out of the URL.")
    host = parts.hostname
    if not host:
        raise UnsafeURL("The URL has no host name.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError):
        raise UnsafeURL(f"The host {host} cannot be found.") from None
    addresses = {ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos}
    if not settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS:
        for address in addresses:
            if not address.is_global:
                raise UnsafeURL(
                    f"The host {host} is on a private network ({address}): webhooks are "
                    "only sent to public addresses."
                )
    return addresses
