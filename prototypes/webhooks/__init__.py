"""Webhooks: tell a team's other tools when something happened in a workspace.

A workspace owner adds endpoints (a URL, the events it wants, a message format). When one of
those events happens, `emit` records one Delivery per subscribed endpoint in the same
transaction as the change, and a Celery job posts it after the commit. Each request is signed
by the Standard Webhooks scheme (https://www.standardwebhooks.com): `webhook-id`,
`webhook-timestamp` and `webhook-signature` headers, HMAC-SHA256 over "id.timestamp.body" with
the endpoint's `whsec_` secret, so receivers verify it with any Standard Webhooks library.

A failed attempt is tried again with growing pauses (`WEBHOOK_RETRY_DELAYS`); a delivery keeps
its `webhook-id` across attempts, so a receiver that saw it already can drop the repeat. An
endpoint whose deliveries fail `DISABLE_AFTER` times in a row is disabled and its workspace's
owners are emailed.
"""
