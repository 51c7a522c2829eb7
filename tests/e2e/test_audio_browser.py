"""Think-aloud recording in a real Chromium with a fake microphone that speaks a known sentence
(made with espeak-ng): the participant tests the microphone, takes the study while speaking,
loses the connection for a while and finishes; the stored audio must cover the session without
a hole. A participant who declines to be recorded takes the study as anyone else.
"""

import io
import shutil
import subprocess

import av
import pytest
from playwright.sync_api import expect

from prototypes.audio.models import AudioChunk, Recording
from prototypes.audio.storage import assembled_audio
from prototypes.sessions.models import Event
from tests.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.axe import assert_accessible
from tests.e2e.drivers import Mouse
from tests.e2e.test_csp import Watch
from tests.e2e.test_player_browser import (
    CONTACT_US,
    DESKTOP,
    FIND_ORDER,
    OPEN_ANSWER,
    answer_open,
    answer_seq,
    answer_sus,
    assert_completed_directly,
    begin_task,
    follow,
    share_url,
    the_session,
    two_task_demo_study,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SENTENCE = "I am looking for my order. I expect to find it under my account."
# The player's timeslice (player-audio.js): chunks last this long.
CHUNK_MS = 3000
OFFLINE_MS = 7000


@pytest.fixture(scope="module")
def spoken_sentence(tmp_path_factory):
    if shutil.which("espeak-ng") is None:
        pytest.skip("needs espeak-ng (apt-get install espeak-ng)")
    path = tmp_path_factory.mktemp("audio") / "sentence.wav"
    subprocess.run(["espeak-ng", "-v", "en", "-s", "150", "-w", str(path), SENTENCE], check=True)
    return path


@pytest.fixture(scope="module")
def speaking_browser(browser, spoken_sentence):
    """A Chromium of its own, whose microphone says SENTENCE over and over (the shared one has
    no microphone); started by the same Playwright as the shared browser."""
    speaking = browser.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-audio-capture={spoken_sentence}",
            "--autoplay-policy=no-user-gesture-required",
        ],
    )
    yield speaking
    speaking.close()


@pytest.fixture
def page(speaking_browser):
    context = speaking_browser.new_context(**DESKTOP)
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


@pytest.fixture
def study(db):
    study = two_task_demo_study()
    study.study.think_aloud = "optional"
    study.study.save()
    return study


def decoded_ms(data):
    """How long the stream plays, by decoding every frame of it (PyAV)."""
    samples = rate = 0
    with av.open(io.BytesIO(data)) as container:
        for frame in container.decode(audio=0):
            samples += frame.samples
            rate = frame.sample_rate
    return 1000 * samples / rate


def start(page, hand, live_server, study, record):
    page.goto(share_url(live_server, study))
    expect(page.get_by_role("heading", name="Thinking aloud")).to_be_visible()
    expect(page.get_by_text("Who hears it: only the team running this study")).to_be_visible()
    if record:
        hand.tick(page.get_by_role("checkbox", name="Record my voice"))
        hand.press(page.get_by_role("button", name="Test my microphone"))
        expect(page.get_by_text("We can hear you.")).to_be_visible()
        assert page.locator('[data-slot="audio-level"]').evaluate("m => m.value") > 0
        assert_accessible(page, "the consent page with the microphone check")
    hand.tick(page.get_by_role("checkbox", name="I have read this and I agree."))
    hand.press(page.get_by_role("button", name="Start", exact=True))


def finish(page, hand, sus):
    answer_sus(page, hand, sus)
    answer_open(page, hand, OPEN_ANSWER)
    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()


def test_the_voice_of_a_participant_who_went_offline_is_stored_whole(live_server, page, study):
    # Counted from the browser's side: reading the database while the server writes to it
    # would get in the way of the server (SQLite).
    stored = []
    page.on(
        "response",
        lambda response: (
            "/audio?" in response.url and response.status == 201 and stored.append(response.url)
        ),
    )
    # No CSP violation and no script error, from the microphone check to the end.
    watch = Watch(page)
    hand = Mouse(page)
    start(page, hand, live_server, study, record=True)
    expect(page.get_by_text("Recording your voice")).to_be_visible()
    assert_accessible(page, "the first task's introduction while recording")
    begin_task(page, hand, 1)
    page.wait_for_timeout(CHUNK_MS + 500)
    assert stored, "chunks are sent while the participant is online"

    page.context.set_offline(True)
    page.wait_for_timeout(OFFLINE_MS)
    sent_before = len(stored)
    waiting = page.evaluate(
        """() => new Promise((resolve) => {
            const open = indexedDB.open("protoplatform-audio");
            open.onsuccess = () => {
                const count = open.result.transaction("chunks").objectStore("chunks").count();
                count.onsuccess = () => resolve(count.result);
            };
        })"""
    )
    assert waiting >= OFFLINE_MS // CHUNK_MS - 1, "offline, the chunks wait in IndexedDB"
    follow(page, hand, FIND_ORDER)
    answer_seq(page, hand, 6)
    page.context.set_offline(False)

    begin_task(page, hand, 2)
    follow(page, hand, CONTACT_US)
    answer_seq(page, hand, 5)
    sus = [4, 2, 5, 1, 4, 2, 5, 1, 4, 2]
    finish(page, hand, sus)
    assert_completed_directly(study, seqs=[6, 5], sus=sus, open_answer=OPEN_ANSWER)
    watch.assert_clean("the player, recording")

    session = the_session(study)
    assert AudioChunk.objects.count() == len(stored) > sent_before
    audio = assembled_audio(session)
    assert audio.gaps == [], "no chunk is missing"
    [segment] = audio.segments
    assert segment.mime_type.startswith(("audio/webm", "audio/ogg"))
    indexes = [chunk.index for chunk in segment.chunks]
    assert indexes == list(range(len(indexes)))
    ended_ms = Event.objects.get(session=session, type="session_end").t_ms
    session_ms = ended_ms - segment.start_ms
    played_ms = decoded_ms(segment.read())
    print(
        f"\nrecorded {played_ms / 1000:.1f} s in {len(indexes)} chunks for a session of "
        f"{session_ms / 1000:.1f} s from the recorder's start ({OFFLINE_MS / 1000:.0f} s of it "
        "offline)"
    )
    assert abs(played_ms - session_ms) <= CHUNK_MS
    assert abs(segment.end_ms - ended_ms) <= CHUNK_MS
    # The first task started on the same clock, after the recorder.
    first_task = Event.objects.filter(session=session, type="task_start").order_by("t_ms")[0]
    assert segment.start_ms <= first_task.t_ms


def test_a_reload_starts_a_new_segment_and_loses_no_chunk_already_made(live_server, page, study):
    # The server leaves the first page's chunks unanswered: they wait in IndexedDB.
    server = {"answers": False}
    page.route(
        lambda url: "/audio?" in url,
        lambda route: route.continue_() if server["answers"] else None,
    )
    hand = Mouse(page)
    start(page, hand, live_server, study, record=True)
    begin_task(page, hand, 1)
    page.wait_for_timeout(2 * CHUNK_MS + 500)
    server["answers"] = True
    page.reload()
    expect(page.get_by_text("Recording your voice")).to_be_visible()
    follow(page, hand, FIND_ORDER)
    answer_seq(page, hand, 6)
    begin_task(page, hand, 2)
    follow(page, hand, CONTACT_US)
    answer_seq(page, hand, 5)
    finish(page, hand, [4, 2, 5, 1, 4, 2, 5, 1, 4, 2])

    audio = assembled_audio(the_session(study))
    first, second = audio.segments
    assert len(first.chunks) >= 2, "the first page's chunks were sent by the second"
    assert [gap.reason for gap in audio.gaps] == ["not_recorded"]
    assert (audio.gaps[0].start_ms, audio.gaps[0].end_ms) == (first.end_ms, second.start_ms)
    for segment in (first, second):
        assert abs(decoded_ms(segment.read()) - segment.duration_ms) <= CHUNK_MS


def test_a_participant_who_declines_to_be_recorded_takes_the_study(live_server, page, study):
    hand = Mouse(page)
    start(page, hand, live_server, study, record=False)
    begin_task(page, hand, 1)
    expect(page.get_by_text("Recording your voice")).to_be_hidden()
    follow(page, hand, FIND_ORDER)
    answer_seq(page, hand, 6)
    begin_task(page, hand, 2)
    follow(page, hand, CONTACT_US)
    answer_seq(page, hand, 5)
    sus = [4, 2, 5, 1, 4, 2, 5, 1, 4, 2]
    finish(page, hand, sus)
    assert_completed_directly(study, seqs=[6, 5], sus=sus, open_answer=OPEN_ANSWER)
    assert not Recording.objects.exists()
