"""A moderated session across two web processes under ASGI, on a real Redis restarted
mid-session: the facilitator's commands, posted to one process, reach the participant's player
streaming from the other, in order and once each, the ones sent while Redis was down included."""

import time

import pytest
import requests
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from prototypes.moderation import services
from prototypes.moderation.models import Command
from prototypes.studies.models import Study
from tests import factories
from tests.integration.conftest import database_url
from tests.integration.live_support import Observer, two_asgi_webs
from tests.integration.services import (
    designer_session,
)

pytestmark = pytest.mark.integration

# This suite's own ports, clear of the other tiers' servers.
PORTS = range(8200, 8300)
REDIS_DB = 3


@pytest.fixture
def moderation_stack(transactional_db, tmp_path):
    with two_asgi_webs(
        tmp_path, PORTS, database_url(connection.settings_dict), settings.MEDIA_ROOT, REDIS_DB
    ) as stack:
        yield stack


def arrival(player, command_id, timeout=10):
    """When the command reached the player's stream (time.monotonic); fails after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for arrived, name, data in list(player.messages):
            if name == "command" and data["id"] == command_id:
                return arrived
        time.sleep(0.005)
    raise AssertionError(f"Command {command_id} never reached the participant's player.")


def test_commands_reach_the_participant_on_the_other_process_through_a_redis_restart(
    moderation_stack, workspace, designer
):
    redis, (web_a, web_b) = moderation_stack
    study = factories.StudyFactory(workspace=workspace, state=Study.State.LIVE)
    moderated = services.schedule(study, "Ada", timezone.now(), designer)
    facilitator = designer_session(designer)
    command_path = reverse("moderated_command", args=[moderated.pk])
    player = Observer(
        requests.Session(), web_b.url + reverse("moderated_api_stream", args=[moderated.token])
    )

    def command(web, action):
        answer = facilitator.post(web.url + command_path, data={"action": action}, timeout=30)
        assert answer.status_code == 200, answer.text
        return Command.objects.filter(moderated=moderated).latest("id").pk

    try:
        deadline = time.monotonic() + 30
        while player.connections == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        # Live: each command posted to process A reaches the player streaming from process B.
        live_ms = []
        for action in ("join", "pause"):
            sent_at = time.monotonic()
            live_ms.append((arrival(player, command(web_a, action)) - sent_at) * 1000)
        assert max(live_ms) < 5000

        redis.stop()
        # Stored while the channel is down; the player catches up from the database.
        during = [command(web_a, "resume"), command(web_b, "next_task")]
        for command_id in during:
            arrival(player, command_id, timeout=15)

        redis.start()
        time.sleep(1)
        sent_at = time.monotonic()
        after_ms = (arrival(player, command(web_a, "end"), timeout=15) - sent_at) * 1000
        assert after_ms < 5000
        # The POST's own round trip is part of each figure (a busy shared machine: noisy).
        print(
            f"command → participant's player on the other process: "
            f"{', '.join(f'{ms:.0f}' for ms in live_ms)} ms live, "
            f"{after_ms:.0f} ms after the Redis restart"
        )
    finally:
        player.stop()

    stored = list(
        Command.objects.filter(moderated=moderated).order_by("id").values_list("id", flat=True)
    )
    # Nothing lost, nothing twice, in the order stored.
    assert player.ids("command") == stored
    assert player.connections >= 2
