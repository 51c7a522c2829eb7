"""The live channel in memory: publish, stream with catch-up, and failures that stay quiet."""

import asyncio
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.test import RequestFactory

from prototypes.live import channel
from tests.streams import close_stream


@pytest.fixture(autouse=True)
def memory_channel(settings):
    settings.LIVE_REDIS_URL = ""
    settings.LIVE_STREAM_SECONDS = 5
    channel._brokers.clear()
    yield
    channel._brokers.clear()


def parse(chunks):
    """The data of each SSE event among the chunks (comments and retry lines left out)."""
    events = []
    for chunk in chunks:
        if isinstance(chunk, bytes):
            chunk = chunk.decode()
        for block in chunk.split("\n\n"):
            data = [line[6:] for line in block.split("\n") if line.startswith("data: ")]
            if data:
                events.append(json.loads("\n".join(data)))
    return events


def test_an_event_carries_its_name_id_and_the_whole_message_as_data():
    text = channel.format_event({"event": "activity", "id": "e1", "x": 1})

    assert text == ('event: activity\nid: e1\ndata: {"event":"activity","id":"e1","x":1}\n\n')
    assert channel.format_event({"x": 1}) == 'data: {"x":1}\n\n'


def test_a_stream_replays_the_catch_up_then_the_live_messages_without_repeats(db):
    request = RequestFactory().get("/", HTTP_LAST_EVENT_ID="e1")
    asked = []

    def catch_up(last_event_id):
        asked.append(last_event_id)
        # Published between the subscription and the catch-up's read: sent once only.
        channel.publish("t", {"id": "e2", "n": 2})
        return [{"id": "e2", "n": 2}]

    response = channel.stream(request, "t", catch_up)
    body = iter(response.streaming_content)
    chunks = [next(body), next(body)]
    channel.publish("t", {"id": "e3", "n": 3})
    channel.publish("other", {"id": "x", "n": 0})
    chunks.append(next(body))
    close_stream(response)

    assert asked == ["e1"]
    assert [message["n"] for message in parse(chunks)] == [2, 3]
    assert channel.broker()._subscribers == {}


def test_the_last_event_id_may_come_as_a_query_parameter(db):
    request = RequestFactory().get("/?last_event_id=e7")
    asked = []
    response = channel.stream(request, "t", lambda last: asked.append(last) or [])
    body = iter(response.streaming_content)
    next(body)
    channel.publish("t", {"n": 1})
    next(body)
    close_stream(response)

    assert asked == ["e7"]


def test_the_response_is_an_uncached_event_stream():
    response = channel.stream(RequestFactory().get("/"), "t", lambda last: [])

    assert response["Content-Type"] == "text/event-stream"
    assert response["Cache-Control"] == "no-cache"
    assert response["X-Accel-Buffering"] == "no"


def test_without_subscribers_the_memory_broker_does_nothing(caplog):
    # Not even serialise: most sessions are never watched.
    channel.publish("t", {"n": object()})

    assert "could not publish" not in caplog.text


def test_several_subscribers_each_get_every_message_in_order():
    subscriptions = [channel.broker().subscribe("t") for _ in range(3)]
    channel.publish_many("t", [{"n": 1}, {"n": 2}])

    for subscription in subscriptions:
        assert [json.loads(subscription.get(1))["n"] for _ in range(2)] == [1, 2]
        assert subscription.get(0.01) is None
        subscription.close()


def run_in_own_loop(coroutine):
    """`asyncio.run` in a thread of its own: a browser test earlier in the same process leaves
    Playwright's event loop in this thread, where asyncio.run refuses to start another."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_an_async_subscriber_gets_messages_published_from_another_thread():
    async def listen():
        subscription = await channel.broker().asubscribe("t")
        publisher = threading.Thread(target=channel.publish, args=("t", {"n": 1}))
        publisher.start()
        payload = await subscription.get(2)
        publisher.join()
        await subscription.aclose()
        return json.loads(payload)

    assert run_in_own_loop(listen()) == {"n": 1}


def test_the_async_stream_replays_then_follows(db):
    async def run():
        body = channel._async_stream("t", lambda last: [{"id": 1, "n": 1}], None)
        chunks = [await anext(body), await anext(body)]
        channel.publish("t", {"id": 1, "n": 1})
        channel.publish("t", {"id": 2, "n": 2})
        chunks.append(await anext(body))
        await body.aclose()
        return chunks

    assert [message["n"] for message in parse(run_in_own_loop(run()))] == [1, 2]


def test_a_stream_ends_after_its_time_and_sends_pings_meanwhile(settings, monkeypatch):
    settings.LIVE_STREAM_SECONDS = 0.2
    monkeypatch.setattr(channel, "HEARTBEAT_SECONDS", 0.05)

    chunks = list(channel._sync_stream("t", lambda last: [], None))

    assert chunks[0] == f"retry: {channel.RETRY_MS}\n\n"
    assert ": ping\n\n" in chunks


def test_publishing_never_raises_when_redis_is_down(settings, caplog):
    settings.LIVE_REDIS_URL = "redis://127.0.0.1:1/0"

    channel.publish("t", {"n": 1})
    # Paused after the failure: the next publish does not even try.
    channel.publish("t", {"n": 2})

    assert caplog.text.count("could not publish") == 2


def test_publishing_refuses_what_is_not_json_quietly(caplog):
    subscription = channel.broker().subscribe("t")
    channel.publish("t", {"n": object()})
    subscription.close()

    assert "could not publish" in caplog.text


def test_without_the_channel_a_stream_replays_and_asks_for_a_slower_reconnection(settings):
    settings.LIVE_REDIS_URL = "redis://127.0.0.1:1/0"

    chunks = list(channel._sync_stream("t", lambda last: [{"id": 1, "n": 1}], None))

    assert [message["n"] for message in parse(chunks)] == [1]
    assert chunks[-1] == f"retry: {channel.DEGRADED_RETRY_MS}\n\n"


def test_redis_channel_names_carry_the_database_number():
    assert channel.RedisBroker("redis://h:6379/3").prefix == "protoplatform:live:3:"
    assert channel.RedisBroker("redis://h:6379").prefix == "protoplatform:live:0:"


def test_keep_filters_the_live_messages_but_not_the_catch_up():
    body = channel._sync_stream(
        "t", lambda last: [{"n": 0}], None, keep=lambda message: message["n"] % 2 == 0
    )
    chunks = [next(body), next(body)]
    for n in (1, 2, 3, 4):
        channel.publish("t", {"n": n})
    chunks += [next(body), next(body)]
    body.close()

    assert [message["n"] for message in parse(chunks)] == [0, 2, 4]
