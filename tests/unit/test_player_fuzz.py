"""Whatever a client sends to the events endpoint, the answer is never a server error."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prototypes.player import api
from prototypes.player.ingestion import EVENT_KEYS
from prototypes.ratelimit import Limit
from tests.unit.test_player_support import build_player_study, direct_run, new_session, post_raw

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # NaN and ±Infinity included: json.dumps writes them as bare tokens
    | st.text(),  # NUL characters and lone surrogates included
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=25,
)
keys = st.sampled_from(sorted(EVENT_KEYS)) | st.text(max_size=8)


@pytest.fixture
def endpoint(client, monkeypatch):
    monkeypatch.setattr(api, "EVENTS_LIMIT", Limit("player-events-fuzz", 10**9, 60))
    setup = build_player_study()
    session = new_session(setup)

    def post(body):
        response = post_raw(client, session, body)
        assert response.status_code < 500, response.content
        if response.status_code != 200:
            assert isinstance(response.json()["error"], str)
        return response

    post.setup = setup
    return post


@FUZZ
@given(value=json_values)
def test_any_json_value(endpoint, value):
    endpoint(json.dumps(value))


@FUZZ
@given(events=st.lists(json_values, max_size=8), dropped=json_values)
def test_any_list_of_events(endpoint, events, dropped):
    endpoint(json.dumps({"events": events, "dropped": dropped}))


@FUZZ
@given(body=st.binary(max_size=300))
def test_any_bytes(endpoint, body):
    endpoint(body)


@FUZZ
@given(data=st.data())
def test_mutations_of_a_valid_batch(endpoint, data):
    events = direct_run(endpoint.setup)
    for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
        target = events[data.draw(st.integers(min_value=0, max_value=len(events) - 1))]
        key = data.draw(keys)
        if data.draw(st.booleans()):
            target.pop(key, None)
        else:
            target[key] = data.draw(json_values)
    if data.draw(st.booleans()):
        # Sometimes a valid id, so that a mutated event can reach the database.
        for event in events:
            if data.draw(st.booleans()):
                event["id"] = data.draw(st.uuids()).hex
    endpoint(json.dumps({"events": events}))
