"""The benchmark's URLconf: the product's URLs plus two baselines through the same middleware.

- a bare view, what one request costs Django and gunicorn;
- a durable view, the physical limit of storing a batch on this stack: it takes the same body,
  locks the same session row and writes the same event rows with one INSERT … ON CONFLICT in one
  transaction, with no validation and nothing derived (no attempts, answers, comments or
  session state). Its statements are prepared, as ingestion's are (prototypes.prepared).
"""

import json

from django.db import connection, transaction
from django.http import JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from prototypes import prepared

DURABLE_INSERT = """
    INSERT INTO prototypes_event
        (uuid, session_id, type, t_ms, task_id, screen_id, hotspot_id, x, y, data, received_at)
    SELECT event.id, %(session)s, event.type, event.t_ms, event.task, event.screen,
        event.hotspot, event.x, event.y, COALESCE(event.data, '{}'::jsonb), now()
    FROM jsonb_to_recordset(%(events)s::jsonb) AS event (
        id uuid, type text, t_ms bigint, task bigint, screen bigint, hotspot bigint,
        x double precision, y double precision, data jsonb
    )
    ON CONFLICT (uuid) DO NOTHING
"""


@csrf_exempt
def bare(request):
    return JsonResponse({"ok": True, "bytes": len(request.body)})


@csrf_exempt
def durable(request, token):
    events = json.loads(request.body)["events"]
    # As the events API does (prototypes.player.api.ingest_without_health_check): no SELECT 1
    # before the first query on a reused connection.
    connection.health_check_done = True
    with transaction.atomic(), prepared.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM prototypes_participantsession WHERE token = %s FOR UPDATE", [token]
        )
        (session,) = cursor.fetchone()
        cursor.execute(DURABLE_INSERT, {"session": session, "events": json.dumps(events)})
        stored = cursor.rowcount
    return JsonResponse({"stored": stored, "duplicates": len(events) - stored})


urlpatterns = [
    path("bench/bare", bare, name="bench_bare"),
    path("bench/durable/<str:token>", durable, name="bench_durable"),
    path("", include("protoplatform.urls")),
]
