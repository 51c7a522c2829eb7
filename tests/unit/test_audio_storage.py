"""Think-aloud chunks are stored once each, in order, and a missing one shows as a gap."""

import pytest
from django.core.files.storage import default_storage

from prototypes.audio import storage
from prototypes.audio.models import AudioChunk, Recording
from prototypes.audio.storage import ChunkRefused, assembled_audio, store_chunk
from tests import factories

WEBM = "audio/webm;codecs=opus"
HEADER = b"\x1a\x45\xdf\xa3"


def chunk(session, index, segment=1000, duration_ms=3000, data=None, mime_type=WEBM):
    if data is None:
        data = (HEADER if index == 0 else b"") + f"chunk {segment}/{index};".encode()
    return store_chunk(
        session,
        segment=segment,
        index=index,
        offset_ms=segment + index * duration_ms,
        duration_ms=duration_ms,
        mime_type=mime_type,
        data=data,
    )


@pytest.fixture
def session(db):
    return factories.SessionFactory()


def test_a_chunk_sent_twice_is_stored_once(session):
    assert chunk(session, 0).stored
    again = chunk(session, 0, data=HEADER + b"a different copy")
    assert not again.stored
    stored = AudioChunk.objects.get()
    assert stored.file.read() == HEADER + b"chunk 1000/0;"
    recording = Recording.objects.get()
    assert (recording.chunk_count, recording.total_bytes) == (1, stored.size)
    assert default_storage.listdir("audio")[1] == [stored.file.name.removeprefix("audio/")]


def test_chunks_sent_out_of_order_play_in_order(session):
    for index in (2, 0, 3, 1):
        chunk(session, index)
    audio = assembled_audio(session)
    assert audio.gaps == []
    [segment] = audio.segments
    assert segment.read() == HEADER + b"".join(f"chunk 1000/{i};".encode() for i in range(4))
    assert (segment.start_ms, segment.end_ms, segment.mime_type) == (1000, 13000, WEBM)
    assert audio.recorded_ms == 12000


def test_a_missing_chunk_is_reported_as_a_gap(session):
    for index in (0, 1, 3, 4):
        chunk(session, index)
    audio = assembled_audio(session)
    assert audio.gaps == [storage.Gap(7000, 10000, "missing", segment=1000, indexes=(2,))]
    assert audio.segments[0].read().count(b"chunk") == 4


def test_a_recorder_without_its_first_chunk_is_wholly_a_gap(session):
    chunk(session, 1)
    chunk(session, 2)
    audio = assembled_audio(session)
    assert audio.segments == []
    assert audio.gaps == [storage.Gap(1000, 10000, "missing", segment=1000, indexes=(0,))]


def test_a_reload_starts_a_new_segment_and_the_time_between_is_not_recorded(session):
    chunk(session, 0, segment=1000)
    chunk(session, 1, segment=1000)
    chunk(session, 0, segment=9000)
    audio = assembled_audio(session)
    assert [(s.segment, s.start_ms, s.end_ms) for s in audio.segments] == [
        (1000, 1000, 7000),
        (9000, 9000, 12000),
    ]
    assert audio.gaps == [storage.Gap(7000, 9000, "not_recorded")]


def test_a_session_without_audio_has_none(session):
    assert assembled_audio(session) is None


@pytest.mark.parametrize(
    ("fields", "status", "code"),
    [
        ({"mime_type": "audio/mpeg"}, 415, "mime_type"),
        ({"mime_type": "video/webm"}, 415, "mime_type"),
        ({"data": b"OggS not webm"}, 415, "mime_type"),
        ({"data": b""}, 400, "empty"),
        ({"data": HEADER + b"x" * storage.MAX_CHUNK_BYTES}, 413, "chunk_too_large"),
        ({"duration_ms": storage.MAX_CHUNK_MS + 1}, 400, "duration_ms"),
        ({"index": -1}, 400, "index"),
    ],
)
def test_a_chunk_that_is_not_what_the_player_sends_is_refused(session, fields, status, code):
    with pytest.raises(ChunkRefused) as refused:
        chunk(session, **{"index": 0, **fields})
    assert (refused.value.status, refused.value.code) == (status, code)
    assert not AudioChunk.objects.exists()


def test_ogg_is_taken_too(session):
    assert chunk(session, 0, mime_type="audio/ogg; codecs=opus", data=b"OggS...").stored


def test_a_session_over_its_limit_is_told_so(session, monkeypatch):
    monkeypatch.setattr(storage, "MAX_SESSION_BYTES", 50)
    chunk(session, 0, data=HEADER + b"x" * 40)
    with pytest.raises(ChunkRefused) as refused:
        chunk(session, 1, data=b"x" * 20)
    assert refused.value.status == 413
    assert "limit of" in refused.value.message
    assert AudioChunk.objects.count() == 1


def test_erasing_a_participant_deletes_their_audio_rows_and_files(
    session, django_capture_on_commit_callbacks
):
    from prototypes.recruitment import privacy

    session.external_participant_id = "p-1"
    session.save()
    other = factories.SessionFactory(study=session.study)
    chunk(session, 0)
    chunk(other, 0)
    names = dict(AudioChunk.objects.values_list("recording__session_id", "file"))
    with django_capture_on_commit_callbacks(execute=True):
        assert privacy.erase_participant(session.study.workspace, "p-1") == 1
    assert not Recording.objects.filter(session=session).exists()
    assert not default_storage.exists(names[session.pk])
    assert default_storage.exists(names[other.pk])
    assert AudioChunk.objects.get().recording.session == other


def test_the_retention_purge_deletes_old_audio(session, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    from prototypes.recruitment import privacy
    from prototypes.recruitment.models import PanelSettings

    chunk(session, 0)
    name = AudioChunk.objects.get().file.name
    PanelSettings.objects.update_or_create(
        workspace=session.study.workspace, defaults={"retention_days": 30}
    )
    with django_capture_on_commit_callbacks(execute=True):
        privacy.purge_expired(now=timezone.now() + timedelta(days=31))
    assert not AudioChunk.objects.exists()
    assert not default_storage.exists(name)


def test_a_chunk_costs_a_fixed_number_of_queries(session, django_assert_num_queries):
    chunk(session, 0)
    # Lock the recording (and look for the chunk), insert it, count it.
    with django_assert_num_queries(3):
        chunk(session, 1)
    with django_assert_num_queries(1):
        chunk(session, 1)
