"""The live channel: push messages to browsers as things happen, as server-sent events.

Stable API (other areas build on it; see docs/live.md for the protocol):

- `publish(topic, message)` and `publish_many(topic, messages)` send JSON-serialisable dicts
  to every browser streaming `topic` right now, on any web process. Call them once the data
  they announce is committed (`publish_on_commit(topic, message)` does it for you): a browser
  that reconnects reads the committed rows, never the channel. They never raise: a failure of
  the channel (Redis down) is logged and the message is lost for live viewers only, who catch
  up from the database when their stream reconnects.
- `stream(request, topic, catch_up)` answers a request with a `text/event-stream` response:
  first `catch_up(last_event_id)` (a plain sync callable, given the browser's `Last-Event-ID`
  header, or the `last_event_id` query parameter, or None on a first connection) returns the
  stored messages to replay, then the live messages of `topic` follow. The subscription is
  made before `catch_up` runs, so nothing committed in between is missed; a live message
  whose "id" was already replayed is skipped. Check permissions before calling it. The
  optional `keep(message) -> bool` (sync, it may query the database) filters live messages.

A message is a dict. Two keys have a meaning to the channel: "id" (a str or int, sent as the
SSE `id:` so the browser sends it back as `Last-Event-ID` when it reconnects; leave it out on
messages a catch-up cannot resume from) and "event" (the SSE event name, "message" by
default). The whole dict is the event's `data:` as JSON.

Topics are short strings such as "session:42". Under ASGI (uvicorn) the stream is an async
generator and holds no thread; under WSGI (`make run`, runserver) it holds one thread per
browser, which is fine for a developer. A stream ends after LIVE_STREAM_SECONDS (the browser
reconnects at once, and permissions are checked again), and at once when the channel fails
(the browser reconnects, catches up and, while Redis stays down, gets the stored messages
every few seconds).

Fan-out goes through Redis pub/sub when LIVE_REDIS_URL (by default REDIS_URL) is set, so any
number of web processes serve observers; without it, through memory, within one process.
"""

import asyncio
import json
import logging
import queue
import threading
import time
from urllib.parse import urlsplit

import redis
import redis.asyncio
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.db import connections, transaction
from django.http import StreamingHttpResponse
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import NoBackoff
from redis.retry import Retry

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 15
# How long the browser waits before reconnecting: at once after a normal end, a little longer
# while the channel is down (each reconnection then replays from the database).
RETRY_MS = 500
DEGRADED_RETRY_MS = 2000
# After a failed publish, the next ones skip Redis for this long rather than each wait for a
# timeout: ingestion must never slow down because the live channel is down.
PUBLISH_PAUSE_SECONDS = 1.0
REDIS_TIMEOUT_SECONDS = 0.5


class ChannelDown(Exception):
    """The channel cannot subscribe or lost its subscription."""


def publish(topic, message):
    publish_many(topic, [message])


def publish_many(topic, messages):
    """Send the messages, in order, to the browsers streaming the topic; never raises."""
    if not messages:
        return
    try:
        broker().publish(topic, messages)
    except Exception:
        logger.warning("Live channel: could not publish to %s", topic, exc_info=True)


def publish_on_commit(topic, message):
    transaction.on_commit(lambda: publish(topic, message))


def stream(request, topic, catch_up, *, keep=None):
    last_event_id = request.headers.get("Last-Event-ID") or request.GET.get("last_event_id")
    if isinstance(request, ASGIRequest):
        body = _async_stream(topic, catch_up, last_event_id or None, keep)
    else:
        body = _sync_stream(topic, catch_up, last_event_id or None, keep)
    response = StreamingHttpResponse(body, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    # nginx buffers responses unless told not to, which would hold the events back.
    response["X-Accel-Buffering"] = "no"
    return response


def format_event(message):
    lines = []
    if message.get("event"):
        lines.append(f"event: {message['event']}")
    if message.get("id") is not None:
        lines.append(f"id: {message['id']}")
    lines.append("data: " + json.dumps(message, separators=(",", ":")))
    return "\n".join(lines) + "\n\n"


def _released(function, *args):
    """What `function(*args)` returns; then the database connections are closed, as a stream
    would otherwise hold one idle for minutes (one per observer)."""
    try:
        return function(*args)
    finally:
        for connection in connections.all(initialized_only=True):
            # Not inside a transaction (a test's): Django reconnects on the next query.
            if not connection.in_atomic_block:
                connection.close()


def _listed(catch_up, last_event_id):
    return list(catch_up(last_event_id))


def _stream_seconds():
    return getattr(settings, "LIVE_STREAM_SECONDS", 120)


def _sync_stream(topic, catch_up, last_event_id, keep=None):
    yield f"retry: {RETRY_MS}\n\n"
    try:
        subscription = broker().subscribe(topic)
    except Exception:
        logger.warning("Live channel: could not subscribe to %s", topic, exc_info=True)
        subscription = None
    try:
        replayed = set()
        for message in _released(_listed, catch_up, last_event_id):
            replayed.add(message.get("id"))
            yield format_event(message)
        if subscription is None:
            yield f"retry: {DEGRADED_RETRY_MS}\n\n"
            return
        ends = time.monotonic() + _stream_seconds()
        while (left := ends - time.monotonic()) > 0:
            try:
                payload = subscription.get(min(HEARTBEAT_SECONDS, left))
            except ChannelDown:
                yield f"retry: {DEGRADED_RETRY_MS}\n\n"
                return
            if payload is None:
                yield ": ping\n\n"
                continue
            message = json.loads(payload)
            if message.get("id") is not None and message["id"] in replayed:
                continue
            if keep is None or _released(keep, message):
                yield format_event(message)
    finally:
        if subscription is not None:
            subscription.close()


async def _async_stream(topic, catch_up, last_event_id, keep=None):
    yield f"retry: {RETRY_MS}\n\n"
    try:
        subscription = await broker().asubscribe(topic)
    except Exception:
        logger.warning("Live channel: could not subscribe to %s", topic, exc_info=True)
        subscription = None
    try:
        replayed = set()
        for message in await sync_to_async(_released)(_listed, catch_up, last_event_id):
            replayed.add(message.get("id"))
            yield format_event(message)
        if subscription is None:
            yield f"retry: {DEGRADED_RETRY_MS}\n\n"
            return
        ends = time.monotonic() + _stream_seconds()
        while (left := ends - time.monotonic()) > 0:
            try:
                payload = await subscription.get(min(HEARTBEAT_SECONDS, left))
            except ChannelDown:
                yield f"retry: {DEGRADED_RETRY_MS}\n\n"
                return
            if payload is None:
                yield ": ping\n\n"
                continue
            message = json.loads(payload)
            if message.get("id") is not None and message["id"] in replayed:
                continue
            if keep is None or await sync_to_async(_released)(keep, message):
                yield format_event(message)
    finally:
        if subscription is not None:
            await subscription.aclose()


def _payloads(messages):
    return [json.dumps(message, separators=(",", ":")) for message in messages]


# Brokers ------------------------------------------------------------------------------------

_brokers = {}
_brokers_lock = threading.Lock()


def broker():
    """The broker for the current settings (one per process and URL)."""
    url = getattr(settings, "LIVE_REDIS_URL", "")
    with _brokers_lock:
        if url not in _brokers:
            _brokers[url] = RedisBroker(url) if url else MemoryBroker()
        return _brokers[url]


class MemoryBroker:
    """Fan-out within this process: enough for `make run` and one web process."""

    def __init__(self):
        self._lock = threading.Lock()
        self._subscribers = {}

    def publish(self, topic, messages):
        with self._lock:
            subscribers = list(self._subscribers.get(topic, ()))
        if not subscribers:
            # The common case for the events API: nobody watches this session.
            return
        payloads = _payloads(messages)
        for subscriber in subscribers:
            for payload in payloads:
                subscriber.put(payload)

    def _add(self, topic, subscriber):
        with self._lock:
            self._subscribers.setdefault(topic, set()).add(subscriber)

    def _remove(self, topic, subscriber):
        with self._lock:
            subscribers = self._subscribers.get(topic, set())
            subscribers.discard(subscriber)
            if not subscribers:
                self._subscribers.pop(topic, None)

    def subscribe(self, topic):
        return _MemorySubscription(self, topic)

    async def asubscribe(self, topic):
        return _AsyncMemorySubscription(self, topic)


class _MemorySubscription:
    def __init__(self, broker, topic):
        self._broker, self._topic = broker, topic
        self._queue = queue.SimpleQueue()
        broker._add(topic, self)

    def put(self, payload):
        self._queue.put(payload)

    def get(self, timeout):
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self):
        self._broker._remove(self._topic, self)


class _AsyncMemorySubscription:
    def __init__(self, broker, topic):
        self._broker, self._topic = broker, topic
        self._loop = asyncio.get_running_loop()
        self._queue = asyncio.Queue()
        broker._add(topic, self)

    def put(self, payload):
        # Publishers run in other threads (sync views); the queue belongs to this loop.
        self._loop.call_soon_threadsafe(self._queue.put_nowait, payload)

    async def get(self, timeout):
        try:
            return await asyncio.wait_for(self._queue.get(), timeout)
        except TimeoutError:
            return None

    async def aclose(self):
        self._broker._remove(self._topic, self)


class RedisBroker:
    """Fan-out through Redis pub/sub, so every web process sees every message.

    Pub/sub channels are shared by all the databases of a Redis server, so the channel names
    carry the URL's database number: two deployments (or test runs) on one server stay apart.
    """

    def __init__(self, url):
        self.url = url
        database = urlsplit(url).path.strip("/") or "0"
        self.prefix = f"protoplatform:live:{database}:"
        self._client = None
        self._paused_until = 0.0
        self._lock = threading.Lock()

    def publish(self, topic, messages):
        payloads = _payloads(messages)
        if time.monotonic() < self._paused_until:
            raise ChannelDown("paused after a failure")
        with self._lock:
            if self._client is None:
                self._client = redis.Redis.from_url(
                    self.url,
                    socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                    socket_timeout=REDIS_TIMEOUT_SECONDS,
                    retry=Retry(NoBackoff(), 1),
                )
            client = self._client
        try:
            if len(payloads) == 1:
                client.publish(self.prefix + topic, payloads[0])
            else:
                with client.pipeline(transaction=False) as pipe:
                    for payload in payloads:
                        pipe.publish(self.prefix + topic, payload)
                    pipe.execute()
        except redis.RedisError:
            self._paused_until = time.monotonic() + PUBLISH_PAUSE_SECONDS
            raise

    def subscribe(self, topic):
        return _RedisSubscription(self, topic)

    async def asubscribe(self, topic):
        subscription = _AsyncRedisSubscription(self, topic)
        await subscription.start()
        return subscription


class _RedisSubscription:
    def __init__(self, broker, topic):
        # No retries: a subscription that reconnected on its own would hide the messages
        # published while it was away. The browser reconnects instead, and catches up.
        self._client = redis.Redis.from_url(
            broker.url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, retry=Retry(NoBackoff(), 0)
        )
        self._pubsub = self._client.pubsub()
        try:
            self._pubsub.subscribe(broker.prefix + topic)
            # Wait for Redis to confirm: only then are later publishes sure to reach us, and
            # only then may the catch-up read the database.
            confirmed = self._pubsub.get_message(timeout=REDIS_TIMEOUT_SECONDS * 4)
        except redis.RedisError as error:
            self.close()
            raise ChannelDown(str(error)) from error
        if not confirmed or confirmed["type"] != "subscribe":
            self.close()
            raise ChannelDown("no subscription confirmed")

    def get(self, timeout):
        try:
            message = self._pubsub.get_message(ignore_subscribe_messages=True, timeout=timeout)
        except redis.RedisError as error:
            raise ChannelDown(str(error)) from error
        return None if message is None else message["data"].decode()

    def close(self):
        try:
            self._pubsub.close()
            self._client.close()
        except redis.RedisError:
            pass


class _AsyncRedisSubscription:
    def __init__(self, broker, topic):
        self._client = redis.asyncio.Redis.from_url(
            broker.url,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            retry=AsyncRetry(NoBackoff(), 0),
        )
        self._pubsub = self._client.pubsub()
        self._channel = broker.prefix + topic

    async def start(self):
        try:
            await self._pubsub.subscribe(self._channel)
            confirmed = await self._pubsub.get_message(timeout=REDIS_TIMEOUT_SECONDS * 4)
        except (redis.RedisError, OSError) as error:
            await self.aclose()
            raise ChannelDown(str(error)) from error
        if not confirmed or confirmed["type"] != "subscribe":
            await self.aclose()
            raise ChannelDown("no subscription confirmed")

    async def get(self, timeout):
        try:
            message = await self._pubsub.get_message(
                ignore_subscribe_messages=True, timeout=timeout
            )
        except (redis.RedisError, OSError) as error:
            raise ChannelDown(str(error)) from error
        return None if message is None else message["data"].decode()

    async def aclose(self):
        try:
            await self._pubsub.aclose()
            await self._client.aclose()
        except (redis.RedisError, OSError):
            pass
