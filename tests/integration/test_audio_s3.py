"""Think-aloud audio on S3-compatible storage (moto) and PostgreSQL: chunks land in the bucket,
play for members only, are stored once when sent twice at the same moment, and leave the bucket
when the participant is erased or their data expires."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from prototypes.audio.models import AudioChunk
from prototypes.recruitment import privacy
from prototypes.recruitment.models import PanelSettings
from tests import factories
from tests.integration.test_s3_storage import s3  # noqa: F401 - the fixture

pytestmark = pytest.mark.integration

WEBM = "audio/webm;codecs=opus"
HEADER = b"\x1a\x45\xdf\xa3"


def upload(client, session, index, segment=0):
    data = (HEADER if index == 0 else b"") + bytes([index]) * 2000
    query = f"segment={segment}&index={index}&offset_ms={index * 3000}&duration_ms=3000"
    return client.post(
        reverse("api_audio_chunk", args=[session.token]) + "?" + query,
        data=data,
        content_type=WEBM,
    )


@pytest.fixture
def recorded(transactional_db):
    study = factories.StudyFactory(think_aloud="optional")
    sessions = [
        factories.SessionFactory(study=study, external_participant_id=name)
        for name in ("ada", "bob")
    ]
    return study, sessions


def audio_keys(bucket):
    return [key for key in bucket.keys() if key.startswith("audio/")]  # noqa: SIM118 - a listing


def test_erasure_and_the_retention_purge_delete_audio_from_the_bucket(s3, recorded):  # noqa: F811
    study, (ada, bob) = recorded
    client = Client()
    for session in (ada, bob):
        for index in range(3):
            assert upload(client, session, index).status_code == 201
    keys = audio_keys(s3)
    assert len(keys) == 6
    ada_keys = set(AudioChunk.objects.filter(recording__session=ada).values_list("file", flat=True))

    member = factories.MembershipFactory(workspace=study.workspace, role="viewer").user
    client.force_login(member)
    played = client.get(reverse("audio_segment", args=[ada.pk, 0]))
    assert played.status_code == 200
    assert played.content == HEADER + bytes([0]) * 2000 + bytes([1]) * 2000 + bytes([2]) * 2000
    outsider = factories.MembershipFactory(role="owner").user
    client.force_login(outsider)
    assert client.get(reverse("audio_segment", args=[ada.pk, 0])).status_code == 404

    assert privacy.erase_participant(study.workspace, "ada") == 1
    assert set(audio_keys(s3)) == set(keys) - ada_keys
    assert not AudioChunk.objects.filter(recording__session=ada).exists()

    PanelSettings.objects.create(workspace=study.workspace, retention_days=30)
    privacy.purge_expired(now=timezone.now() + timedelta(days=31))
    assert audio_keys(s3) == []
    assert not AudioChunk.objects.exists()


def test_a_chunk_sent_twice_at_once_is_stored_once(s3, recorded):  # noqa: F811
    _, (ada, _) = recorded
    start = threading.Barrier(4)
    answers = []

    def send():
        try:
            start.wait()
            answers.append(upload(Client(), ada, 0).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [200, 200, 200, 201]
    assert AudioChunk.objects.count() == 1
    assert len(audio_keys(s3)) == 1
