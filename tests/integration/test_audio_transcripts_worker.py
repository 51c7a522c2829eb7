"""Transcription with a broker, as in production: a real Celery worker transcribes a recording
when its session ends through the events API, on PostgreSQL; the study's search finds the
words; erasing the participant deletes the transcript."""

import pytest
from django.test import Client
from django.urls import reverse

from prototypes.audio.transcript_models import AudioClip, Transcript, TranscriptSegment
from prototypes.audio.transcription import normalised_words
from prototypes.audio.transcripts import search
from prototypes.jobs import Job
from prototypes.recruitment import privacy
from tests import factories
from tests.integration.conftest import wait_until
from tests.speech import KEY_WORDS, espeak_wav, store_recording, webm_opus
from tests.unit.test_player_support import event, post_events

pytestmark = pytest.mark.integration


@pytest.fixture
def shared_media(settings, monkeypatch):
    """The worker is another process: it reads the chunks from the test's media folder."""
    monkeypatch.setenv("MEDIA_ROOT", str(settings.MEDIA_ROOT))


@pytest.fixture
def recorded(transactional_db, tmp_path):
    study = factories.StudyFactory(think_aloud="optional")
    session = factories.SessionFactory(study=study, external_participant_id="ada")
    store_recording(session, webm_opus(espeak_wav(tmp_path / "said.wav")), segment=1500)
    return session


def test_a_worker_transcribes_the_recording_when_the_session_ends(
    shared_media, recorded, celery_worker
):
    session = recorded
    assert post_events(Client(), session, [event("session_end", 12000)]).status_code == 200
    job = Job.objects.get(task_name="prototypes.audio.transcribe_recording")
    transcript = wait_until(
        lambda: Transcript.objects.filter(
            recording__session=session, status=Transcript.Status.DONE
        ).first(),
        timeout=180,
    )
    assert transcript, f"not transcribed: {Transcript.objects.first()!r}"
    assert Job.objects.get(pk=job.pk).state == Job.State.DONE
    lines = list(TranscriptSegment.objects.filter(transcript=transcript).order_by("start_ms"))
    heard = set(normalised_words(" ".join(line.text for line in lines)))
    assert len(KEY_WORDS - heard) <= 2
    assert lines[0].start_ms >= 1500

    # PostgreSQL's case-insensitive search, in one query.
    found, _ = search(session.study, "Shopping")
    assert [line.transcript.recording.session_id for line in found] == [session.pk]

    AudioClip.objects.create(recording=transcript.recording, start_ms=1500, end_ms=3000)
    assert privacy.erase_participant(session.study.workspace, "ada") == 1
    assert not Transcript.objects.exists() and not TranscriptSegment.objects.exists()
    assert not AudioClip.objects.exists()


def test_the_replay_shows_the_transcript_made_by_the_worker(shared_media, recorded, celery_worker):
    session = recorded
    member = factories.MembershipFactory(workspace=session.study.workspace, role="viewer").user
    client = Client()
    client.force_login(member)
    url = reverse("session_replay", args=[session.pk])
    # With a broker the page only asks: it shows the wait, and the worker does the work.
    assert "Transcribing the recording" in client.get(url).content.decode()
    assert wait_until(
        lambda: Transcript.objects.filter(status=Transcript.Status.DONE).exists(), timeout=180
    )
    panel = client.get(reverse("session_transcript", args=[session.pk]), HTTP_HX_REQUEST="true")
    assert "shopping" in panel.content.decode()
