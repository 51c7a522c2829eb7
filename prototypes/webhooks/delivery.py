"""One signed POST of a delivery to its endpoint."""

import json
import time
from dataclasses import dataclass

import requests
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from prototypes.webhooks.models import Endpoint, EventType
from prototypes.webhooks.services import UnsafeURL, check_url

# A receiver should answer at once and do its work later (Standard Webhooks' advice).
TIMEOUT = (5, 10)
USER_AGENT = "Protoplatform-Webhooks/1"


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str
    duration_ms: int

    @property
    def succeeded(self):
        return self.status_code is not None and 200 <= self.status_code < 300


def body(delivery):
    """The request body: the Standard Webhooks envelope, or a Slack message."""
    if delivery.endpoint.format == Endpoint.Format.SLACK:
        message = {"text": slack_text(delivery.event_type, delivery.payload["data"])}
    else:
        message = {
            "type": delivery.event_type,
            "timestamp": delivery.created_at.isoformat(),
            "data": delivery.payload["data"],
        }
    return json.dumps(message, separators=(",", ":"), sort_keys=True)


def headers(delivery, text, now=None):
    """The Standard Webhooks headers: the delivery's id (the same on every attempt), the time of
    this attempt and the signature of both with the body."""
    now = now or timezone.now()
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(delivery.endpoint.secret).sign(delivery.message_id, now, text),
    }


def post(delivery):
    """Send the delivery once; never raises for what the receiver or the network does."""
    started = time.monotonic()
    text = body(delivery)
    try:
        check_url(delivery.endpoint.url)
        response = requests.post(
            delivery.endpoint.url,
            data=text.encode(),
            headers=headers(delivery, text),
            timeout=TIMEOUT,
            allow_redirects=False,
            stream=True,
        )
        response.close()
        status = response.status_code
        # Redirects are not followed (they could lead inside): only a 2xx is a delivery.
        error = "" if 200 <= status < 300 else f"The endpoint answered {status}."
    except UnsafeURL as refusal:
        status, error = None, str(refusal)
    except requests.Timeout:
        status, error = None, "The endpoint did not answer in time."
    except requests.RequestException as failure:
        status, error = None, f"Could not reach the endpoint ({type(failure).__name__})."
    return Outcome(status, error, int((time.monotonic() - started) * 1000))


def slack_text(event_type, data):
    """A one-line message in Slack's mrkdwn, with links as <url|label>."""
    study = data.get("study", {}).get("title", "")
    link = data.get("results_url")
    see = f" <{link}|See the results>" if link else ""
    if event_type == EventType.PARTICIPANT_FINISHED:
        return f"A participant finished “{study}”.{see}"
    if event_type == EventType.CRITERION_SETTLED:
        criterion = data["criterion"]
        return (
            f"Criterion {criterion['number']} of “{study}” reached {criterion['verdict']}: "
            f"{criterion['description']}.{see}"
        )
    if event_type == EventType.VERDICT_CHANGED:
        return (
            f"The verdict of “{study}” changed from {data['previous']} to {data['verdict']}.{see}"
        )
    if event_type == EventType.STUDY_CLOSED:
        return f"“{study}” was closed.{see}"
    kind, link = data["export"]["kind"], data["download_url"]
    return f"The {kind} export of “{study}” is ready: <{link}|download>"
