"""Fixed-window rate limits in the shared cache (Redis in production).

A limit that cannot be checked because the cache is down lets the request through: losing a
participant's clicks would be worse than letting a burst pass.
"""

import logging
import time
from dataclasses import dataclass
from functools import wraps

from django.core.cache import cache
from django.http import HttpResponse, JsonResponse

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    name: str
    requests: int
    seconds: int


def client_ip(request, *args, **kwargs):
    # Behind the documented proxy, gunicorn's forwarded_allow_ips makes REMOTE_ADDR the client's.
    return request.META.get("REMOTE_ADDR", "")


def window_key(limit, key):
    window = int(time.time() // limit.seconds)
    seconds_left = max(1, int((window + 1) * limit.seconds - time.time()) + 1)
    return f"ratelimit:{limit.name}:{key}:{window}", seconds_left


def retry_after(limit, key, count=True):
    """Seconds until the window of `key` resets once over the limit, else None.

    With count=False the request is only checked, not counted (e.g. failed logins are counted
    after the fact with `record`).
    """
    cache_key, seconds_left = window_key(limit, key)
    try:
        if not count:
            used = cache.get(cache_key, 0)
        elif cache.add(cache_key, 1, timeout=limit.seconds + 1):
            used = 1
        else:
            used = cache.incr(cache_key)
    except Exception as error:  # noqa: BLE001 - fail open when the cache is unreachable
        logger.warning("Rate limit %s not checked, cache unavailable: %s", limit.name, error)
        return None
    over = used > limit.requests if count else used >= limit.requests
    return seconds_left if over else None


def refund(limit, key):
    """Take back one request of `key` counted in this window: one the server failed to serve.

    A request that failed on the server's side (a 5xx: the database was down) must not use up
    the client's allowance, or a short outage locks out everyone behind one address for the rest
    of the window while they retry.
    """
    cache_key, _ = window_key(limit, key)
    try:
        cache.decr(cache_key)
    except ValueError:
        pass  # the window rolled over since: its count is gone already
    except Exception as error:  # noqa: BLE001 - fail open when the cache is unreachable
        logger.warning("Rate limit %s not refunded, cache unavailable: %s", limit.name, error)


def record(limit, key):
    """Count one occurrence (e.g. a failed login) against `key`."""
    retry_after(limit, key, count=True)


def too_many_requests(seconds, as_json=False):
    message = "Too many requests. Please wait a moment and try again."
    if as_json:
        response = JsonResponse({"error": message, "retry_after": seconds}, status=429)
    else:
        response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(seconds)
    return response


def rate_limited(limit, key=client_ip, methods=("POST",), as_json=False):
    """Answer 429 with Retry-After once `key(request, **kwargs)` exceeds `limit`."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in methods:
                seconds = retry_after(limit, key(request, *args, **kwargs))
                if seconds is not None:
                    return too_many_requests(seconds, as_json=as_json)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
