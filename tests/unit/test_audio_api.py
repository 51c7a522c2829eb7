"""The participant API's audio endpoint and the designer's audio views."""

import pytest
from django.urls import reverse
from django.utils import timezone

from prototypes.audio.models import AudioChunk
from prototypes.sessions.models import ParticipantSession
from tests import factories

WEBM = "audio/webm;codecs=opus"
HEADER = b"\x1a\x45\xdf\xa3"


@pytest.fixture
def session(workspace):
    study = factories.StudyFactory(workspace=workspace, think_aloud="optional")
    return factories.SessionFactory(study=study)


def upload(client, session, index, data=None, segment=500, content_type=WEBM, **headers):
    data = data if data is not None else (HEADER if index == 0 else b"") + bytes([index]) * 100
    query = f"segment={segment}&index={index}&offset_ms={segment + index * 3000}&duration_ms=3000"
    return client.post(
        reverse("api_audio_chunk", args=[session.token]) + "?" + query,
        data=data,
        content_type=content_type,
        **headers,
    )


def test_a_chunk_is_stored_then_acknowledged_again_without_a_copy(client, session):
    first = upload(client, session, 0)
    assert first.status_code == 201
    assert first.json()["stored"] is True
    again = upload(client, session, 0)
    assert again.status_code == 200
    assert again.json()["stored"] is False
    assert AudioChunk.objects.count() == 1


def test_a_study_that_does_not_record_refuses_audio(client, session):
    session.study.think_aloud = "off"
    session.study.save()
    response = upload(client, session, 0)
    assert response.status_code == 403
    assert response.json()["code"] == "not_recording"


def test_an_unknown_session_is_not_found(client, session):
    session.token = "nope"
    assert upload(client, session, 0).status_code == 404


def test_a_session_long_finished_takes_no_more_audio(client, session):
    ParticipantSession.objects.filter(pk=session.pk).update(
        state="completed", finished_at=timezone.now() - timezone.timedelta(days=2)
    )
    assert upload(client, session, 0).status_code == 410


def test_a_just_finished_session_still_takes_the_chunks_it_queued(client, session):
    ParticipantSession.objects.filter(pk=session.pk).update(
        state="completed", finished_at=timezone.now()
    )
    assert upload(client, session, 0).status_code == 201


@pytest.mark.parametrize("query", ["segment=x&index=0&offset_ms=0&duration_ms=1", "index=0"])
def test_a_position_that_is_not_whole_numbers_is_refused(client, session, query):
    response = client.post(
        reverse("api_audio_chunk", args=[session.token]) + "?" + query,
        data=HEADER,
        content_type=WEBM,
    )
    assert response.status_code == 400
    assert "whole number" in response.json()["error"]


def test_a_chunk_over_the_limit_is_refused_with_its_size(client, session, monkeypatch):
    from prototypes.audio import storage

    monkeypatch.setattr(storage, "MAX_CHUNK_BYTES", 100)
    response = upload(client, session, 0, data=HEADER + b"x" * 200)
    assert response.status_code == 413
    assert response.json() == {
        "error": "An audio chunk holds at most 100 bytes.",
        "code": "chunk_too_large",
    }


def test_another_type_of_file_is_refused(client, session):
    response = upload(client, session, 0, content_type="text/html")
    assert response.status_code == 415
    assert "Opus in WebM or Ogg" in response.json()["error"]


def test_another_site_s_page_cannot_post_audio(client, session):
    response = upload(client, session, 0, HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403


def test_a_member_hears_the_segments_and_sees_the_gaps(client, session, viewer):
    for index in (0, 1, 3):
        upload(client, session, index)
    client.force_login(viewer)
    listing = client.get(reverse("session_audio", args=[session.pk])).json()
    assert [s["segment"] for s in listing["segments"]] == [500]
    assert listing["gaps"] == [
        {"start_ms": 6500, "end_ms": 9500, "reason": "missing", "segment": 500, "indexes": [2]}
    ]
    played = client.get(listing["segments"][0]["url"])
    assert played.status_code == 200
    assert played["Content-Type"] == "audio/webm"
    assert played["Cache-Control"] == "private, no-store"
    assert played.content == HEADER + bytes([0]) * 100 + bytes([1]) * 100 + bytes([3]) * 100


def test_a_member_of_another_workspace_hears_nothing(client, session, outsider):
    upload(client, session, 0)
    client.force_login(outsider)
    assert client.get(reverse("audio_segment", args=[session.pk, 500])).status_code == 404
    assert client.get(reverse("session_audio", args=[session.pk])).status_code == 404
