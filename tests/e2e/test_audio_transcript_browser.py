"""From a participant's voice to the designer's transcript, in Chromium with a fake microphone.

The participant's microphone says tests/speech.py's SENTENCE over and over (espeak-ng, in the
voice PocketSphinx hears best); they take the study while it speaks, lose the connection for a
while and finish. The designer then opens the replay, which has the recording transcribed (no
broker here: the job runs in that request) and shows the lines: they must hold the sentence's
key words. The word error rate is printed for the best-heard repetition of the sentence (the
microphone loops it, so the recording starts and ends in the middle of one).
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from prototypes.audio.storage import assembled_audio
from prototypes.audio.transcript_models import Transcript
from prototypes.audio.transcription import normalised_words, word_error_rate
from prototypes.workspaces.models import Membership
from tests.e2e.drivers import Mouse
from tests.e2e.test_audio_browser import (  # noqa: F401 - fixtures used by name
    CHUNK_MS,
    finish,
    page,
    speaking_browser,
    start,
    study,
)
from tests.e2e.test_player_browser import (
    CONTACT_US,
    FIND_ORDER,
    answer_seq,
    begin_task,
    follow,
    the_session,
)
from tests.speech import KEY_WORDS, SENTENCE, espeak_wav

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

OFFLINE_MS = 5000
# One pass of the sentence lasts about 7 s: let the first task hear it whole.
LISTEN_MS = 8000
# Transcribing half a minute takes seconds on a quiet machine, a minute or two on a busy one.
TRANSCRIBE_TIMEOUT_MS = 240_000


@pytest.fixture(scope="module")
def spoken_sentence(tmp_path_factory):
    """What the fake microphone says (overrides test_audio_browser's sentence)."""
    return espeak_wav(tmp_path_factory.mktemp("speech") / "sentence.wav")


def best_repetition_error_rate(heard):
    """The word error rate of the stretch of `heard` that matches one SENTENCE best."""
    words = normalised_words(heard)
    size = len(normalised_words(SENTENCE))
    windows = [" ".join(words[start : start + size]) for start in range(max(1, len(words) - 1))]
    return min(word_error_rate(SENTENCE, window) for window in windows)


# `page` and `study` are test_audio_browser's fixtures, imported above.
def test_the_designer_reads_what_the_participant_said(live_server, page, study, log_in):  # noqa: F811
    hand = Mouse(page)
    start(page, hand, live_server, study, record=True)
    expect(page.get_by_text("Recording your voice")).to_be_visible()
    begin_task(page, hand, 1)
    page.wait_for_timeout(LISTEN_MS)
    page.context.set_offline(True)
    page.wait_for_timeout(OFFLINE_MS)
    follow(page, hand, FIND_ORDER)
    answer_seq(page, hand, 6)
    page.context.set_offline(False)
    begin_task(page, hand, 2)
    follow(page, hand, CONTACT_US)
    answer_seq(page, hand, 5)
    finish(page, hand, [4, 2, 5, 1, 4, 2, 5, 1, 4, 2])

    session = the_session(study)
    audio = assembled_audio(session)
    assert audio.gaps == [] and len(audio.segments) == 1

    owner = Membership.objects.filter(workspace=study.study.workspace).first().user
    log_in(page, owner)
    page.goto(
        live_server.url + reverse("session_replay", args=[session.pk]),
        timeout=TRANSCRIBE_TIMEOUT_MS,
    )
    expect(page.locator(".transcript-text").first).to_be_visible(timeout=TRANSCRIBE_TIMEOUT_MS)
    heard = " ".join(page.locator(".transcript-text").all_inner_texts())
    transcript = Transcript.objects.get(recording__session=session)
    missing = KEY_WORDS - set(normalised_words(heard))
    print(
        f"\nrecorded {audio.recorded_ms / 1000:.1f} s ({OFFLINE_MS / 1000:.0f} s offline), "
        f"transcribed by {transcript.engine} in {transcript.processing_ms / 1000:.1f} s"
        f"\nheard: {heard}"
        f"\nword error rate of the best-heard repetition: {best_repetition_error_rate(heard):.0%};"
        f" key words missing: {sorted(missing) or 'none'}"
    )
    assert len(missing) <= 2, f"key words {missing} not heard in {heard!r}"
    first_line = page.locator(".transcript-line").first
    assert int(first_line.get_attribute("data-start-ms")) >= audio.segments[0].start_ms
    assert abs(audio.recorded_ms - transcript.audio_ms) <= CHUNK_MS
