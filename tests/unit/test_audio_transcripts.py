"""The transcription job: asked for once per audio, placed on the session clock, kept through
corrections, deleted with the recording (prototypes/audio/transcripts.py)."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from prototypes.audio import transcription, transcripts
from prototypes.audio.models import Recording
from prototypes.audio.storage import erase_audio
from prototypes.audio.transcript_models import AudioClip, Transcript, TranscriptSegment
from prototypes.audio.transcription import Segment
from prototypes.jobs import Job
from prototypes.recruitment import privacy
from prototypes.sessions.models import ParticipantSession
from tests import factories
from tests.speech import KEY_WORDS, SENTENCE, espeak_wav, store_recording, tone_webm, webm_opus


class FakeEngine:
    """Hears two lines in any audio: at 100-900 ms and at 1200-1800 ms of it."""

    name = "fake"

    def __init__(self):
        self.calls = 0

    def transcribe(self, pcm):
        self.calls += 1
        return [Segment(100, 900, "where is the cart"), Segment(1200, 1800, "found it")]


@pytest.fixture
def engine(monkeypatch):
    fake = FakeEngine()
    monkeypatch.setattr(transcription, "get_engine", lambda: fake)
    return fake


@pytest.fixture
def session(db):
    return factories.SessionFactory()


@pytest.fixture
def transcribe(django_capture_on_commit_callbacks):
    """The replay page's request for a transcript, its job run as its transaction commits."""

    def run(session):
        with django_capture_on_commit_callbacks(execute=True):
            transcripts.transcript_state(session)
        return Transcript.objects.filter(recording__session=session).first()

    return run


def test_lines_are_placed_on_the_session_clock_of_each_recorder(session, engine, transcribe):
    store_recording(session, tone_webm(2), segment=5000)
    store_recording(session, tone_webm(2), segment=60000)
    transcript = transcribe(session)
    assert transcript.status == Transcript.Status.DONE
    assert [(s.start_ms, s.end_ms, s.text) for s in transcripts.session_segments(session)] == [
        (5100, 5900, "where is the cart"),
        (6200, 6800, "found it"),
        (60100, 60900, "where is the cart"),
        (61200, 61800, "found it"),
    ]
    assert transcript.engine == "fake"
    assert 3900 <= transcript.audio_ms <= 4100


def test_the_same_audio_is_transcribed_once_and_new_audio_again(session, engine, transcribe):
    store_recording(session, tone_webm(2), segment=0)
    transcribe(session)
    transcribe(session)
    assert engine.calls == 1
    store_recording(session, tone_webm(1), segment=9000, pieces=1)
    transcribe(session)
    assert engine.calls == 3  # both recorders, once more
    assert Job.objects.filter(task_name="prototypes.audio.transcribe_recording").count() == 2


def test_a_session_without_recording_has_no_transcript(session, engine):
    assert transcripts.transcript_state(session) is None
    assert not Transcript.objects.exists()


def test_nothing_is_asked_for_when_transcription_is_off(session, settings):
    settings.TRANSCRIPTION_ENGINE = "none"
    store_recording(session, tone_webm(1), pieces=1)
    assert transcripts.transcript_state(session) is None


def test_audio_that_cannot_be_decoded_fails_with_a_reason(session, engine, transcribe):
    from prototypes.audio.storage import store_chunk

    store_chunk(
        session,
        segment=0,
        index=0,
        offset_ms=0,
        duration_ms=3000,
        mime_type="audio/webm",
        data=b"\x1a\x45\xdf\xa3 but nothing playable after the signature",
    )
    transcript = transcribe(session)
    assert transcript.status == Transcript.Status.FAILED
    assert "cannot be" in transcript.error


def test_a_finished_session_is_transcribed_by_a_job_sent_after_the_commit(
    session, engine, monkeypatch, django_capture_on_commit_callbacks
):
    store_recording(session, tone_webm(1), pieces=1)
    # With a broker: the participant's last request only records the job.
    monkeypatch.setattr(transcripts, "runs_in_process", lambda: False)
    with django_capture_on_commit_callbacks(execute=True):
        transcripts.session_finished(session.pk)
    assert Transcript.objects.get().status == Transcript.Status.DONE
    assert Job.objects.get().task_name == "prototypes.audio.transcribe_recording"


def test_without_a_broker_the_participant_does_not_wait_for_the_engine(session, engine):
    store_recording(session, tone_webm(1), pieces=1)
    transcripts.session_finished(session.pk)
    assert engine.calls == 0
    assert not Transcript.objects.exists()


def test_a_chunk_after_the_end_asks_for_the_transcript_again(session, engine, monkeypatch):
    monkeypatch.setattr(transcripts, "runs_in_process", lambda: False)
    store_recording(session, tone_webm(1), pieces=1)
    session.state = ParticipantSession.State.ACTIVE
    transcripts.chunk_stored(session)
    assert not Transcript.objects.exists()
    session.state = ParticipantSession.State.COMPLETED
    transcripts.chunk_stored(session)
    assert Transcript.objects.get().requested_fingerprint == transcripts.fingerprint(
        Recording.objects.get()
    )


def test_corrected_lines_survive_a_new_transcription(session, engine, transcribe):
    store_recording(session, tone_webm(2), segment=0)
    transcribe(session)
    first = transcripts.session_segments(session)[0]
    user = factories.UserFactory()
    transcripts.edit_segment(first, "  where is   the basket ", user)
    store_recording(session, tone_webm(1), segment=9000, pieces=1)
    transcribe(session)
    lines = [(s.start_ms, s.text, s.heard) for s in transcripts.session_segments(session)]
    assert lines[0] == (100, "where is the basket", "where is the cart")
    assert [line[0] for line in lines] == [100, 1200, 9100, 10200]


def test_a_correction_must_say_something():
    with pytest.raises(ValidationError, match="Write what was said"):
        transcripts.clean_segment_text("   ")
    with pytest.raises(ValidationError, match="at most"):
        transcripts.clean_segment_text("word " * 1000)


def test_search_finds_lines_across_the_study_in_one_query(
    session, engine, django_assert_num_queries, transcribe
):
    store_recording(session, tone_webm(1), pieces=1)
    other = factories.SessionFactory(study=session.study)
    store_recording(other, tone_webm(1), pieces=1)
    elsewhere = factories.SessionFactory()
    store_recording(elsewhere, tone_webm(1), pieces=1)
    for each in (session, other, elsewhere):
        transcribe(each)
    with django_assert_num_queries(1):
        found, more = transcripts.search(session.study, "CART")
        sessions = [line.transcript.recording.session.pk for line in found]
    assert sorted(sessions) == sorted([session.pk, other.pk])
    assert not more
    assert transcripts.search(session.study, "c") == ([], False)


def test_erasure_deletes_transcripts_and_clips_with_the_audio(session, engine, transcribe):
    store_recording(session, tone_webm(1), pieces=1)
    transcribe(session)
    recording = Recording.objects.get()
    AudioClip.objects.create(recording=recording, start_ms=0, end_ms=500, note="lost")
    assert TranscriptSegment.objects.exists()
    erase_audio([session.pk])
    assert not Transcript.objects.exists()
    assert not TranscriptSegment.objects.exists()
    assert not AudioClip.objects.exists()


def test_participant_erasure_removes_what_they_said(session, engine, transcribe):
    store_recording(session, tone_webm(1), pieces=1)
    transcribe(session)
    privacy.scrub_sessions([session.pk])
    assert not TranscriptSegment.objects.exists()
    assert not AudioClip.objects.exists()


def test_a_spoken_sentence_is_transcribed_by_the_default_engine(session, tmp_path, transcribe):
    store_recording(session, webm_opus(espeak_wav(tmp_path / "said.wav")), segment=2000)
    transcript = transcribe(session)
    lines = transcripts.session_segments(session)
    heard = " ".join(line.text for line in lines)
    print(
        f"\nHeard: {heard}\nWord error rate: {transcription.word_error_rate(SENTENCE, heard):.0%}"
    )
    assert transcript.engine == "pocketsphinx"
    assert len(KEY_WORDS - set(transcription.normalised_words(heard))) <= 2
    assert lines[0].start_ms >= 2000
    assert transcript.finished_at <= timezone.now()


def test_a_job_on_less_audio_finishing_last_leaves_the_newer_lines(session, engine, transcribe):
    store_recording(session, tone_webm(1), pieces=1)
    transcript = transcribe(session)
    older = transcript.fingerprint
    store_recording(session, tone_webm(1), segment=9000, pieces=1)
    transcribe(session)
    transcripts.save_transcript(
        transcript,
        [Segment(0, 500, "stale")],
        older,
        engine="fake",
        audio_ms=1000,
        processing_ms=1,
    )
    assert "stale" not in [line.text for line in transcripts.session_segments(session)]


def test_a_failed_transcript_can_be_asked_for_again(
    client, session, engine, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    store_recording(session, tone_webm(1), pieces=1)
    recording = Recording.objects.get()
    Transcript.objects.create(
        recording=recording,
        status=Transcript.Status.FAILED,
        error="The storage did not answer.",
        requested_fingerprint=transcripts.fingerprint(recording),
    )
    designer = factories.MembershipFactory(workspace=session.study.workspace, role="designer")
    client.force_login(designer.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("transcript_retry", args=[session.pk]), HTTP_HX_REQUEST="true"
        )
    assert response.status_code == 200
    assert Transcript.objects.get().status == Transcript.Status.DONE
    assert engine.calls == 1


def test_a_chunk_uploaded_after_the_end_through_the_api_asks_again(
    client, session, engine, monkeypatch, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    monkeypatch.setattr(transcripts, "runs_in_process", lambda: False)
    store_recording(session, tone_webm(1), pieces=1)
    session.study.think_aloud = "optional"
    session.study.save()
    ParticipantSession.objects.filter(pk=session.pk).update(
        state=ParticipantSession.State.COMPLETED, finished_at=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("api_audio_chunk", args=[session.token])
            + "?segment=9000&index=0&offset_ms=9000&duration_ms=1000",
            data=tone_webm(1),
            content_type="audio/webm;codecs=opus",
        )
    assert response.status_code == 201, response.content
    transcript = Transcript.objects.get()
    assert transcript.fingerprint == transcripts.fingerprint(Recording.objects.get())
    assert engine.calls == 2  # both recorders
