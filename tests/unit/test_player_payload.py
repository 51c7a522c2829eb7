"""The study payload a session start sends, built once per study version and kept briefly."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from prototypes.player import services
from prototypes.player.payload import cached_study_payload
from tests.unit.test_player_support import build_player_study

pytestmark = pytest.mark.django_db


def test_the_second_participant_gets_the_payload_without_a_query():
    setup = build_player_study()
    study, version = setup.study, setup.study.prototype_version
    first = cached_study_payload(study, version.pk)
    with CaptureQueriesContext(connection) as queries:
        second = cached_study_payload(study, version.pk)
    assert second == first == services.study_payload(study, version)
    assert len(queries) == 0


def test_a_new_revision_of_the_study_is_built_again():
    setup = build_player_study()
    study, version = setup.study, setup.study.prototype_version
    cached_study_payload(study, version.pk)
    setup.task.instruction = "Find out when order 482913 arrives."
    setup.task.save()
    study.revision += 1
    study.save()

    payload = cached_study_payload(study, version.pk)

    assert payload["tasks"][0]["instruction"] == "Find out when order 482913 arrives."
