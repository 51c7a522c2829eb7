"""GET /healthz for load balancers: the state of each configured dependency."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True}


def check_redis(url):
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    finally:
        client.close()
    return {"ok": True}


def check_workers():
    from protoplatform.celery import app

    replies = app.control.ping(timeout=1.0) or []
    return {"ok": bool(replies), "workers": len(replies)}


def probe(check, *args):
    try:
        return check(*args)
    except Exception as error:  # noqa: BLE001 - a health check reports every failure
        return {"ok": False, "error": str(error)[:200]}


@never_cache
def healthz(request):
    checks = {"database": probe(check_database)}
    broker = settings.CELERY_BROKER_URL
    redis_urls = {url for url in (settings.REDIS_URL, broker) if url.startswith("redis")}
    for url in sorted(redis_urls):
        name = "redis" if url == settings.REDIS_URL or len(redis_urls) == 1 else "broker"
        checks[name] = probe(check_redis, url)
    if broker:
        checks["celery_workers"] = probe(check_workers)
    else:
        checks["celery_workers"] = {"ok": True, "mode": "eager (no broker configured)"}
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status=200 if healthy else 503,
    )
