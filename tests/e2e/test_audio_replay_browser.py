"""A designer replays a session with its think-aloud audio in Chromium: the audio plays in step
with the clicks, a transcript line jumps there, a clip is marked from the replay's clock."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from prototypes.audio.models import Recording
from prototypes.audio.transcript_models import AudioClip, Transcript, TranscriptSegment
from prototypes.audio.transcripts import fingerprint
from prototypes.authoring.demo import create_demo_prototypes
from prototypes.player.demo import simulate_participants
from prototypes.sessions.models import Event, ParticipantSession
from prototypes.studies.demo import create_demo_study
from tests import factories
from tests.e2e import axe
from tests.speech import store_recording, tone_webm

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# The recording starts this far into the session (the participant agreed on the welcome page).
RECORDING_STARTS_MS = 500
# How far the audio may be from the replay's clock: replay-audio.js re-aligns past 300 ms.
IN_STEP_MS = 450


@pytest.fixture
def recorded(db):
    """A finished demo session with a recording as long as it, transcribed, and its owner."""
    membership = factories.MembershipFactory(role="owner")
    versions = create_demo_prototypes(membership.workspace, membership.user)
    study = create_demo_study(membership.workspace, membership.user, versions["shop"])
    simulate_participants(study, count=1)
    session = ParticipantSession.objects.filter(study=study).order_by("pk").first()
    last_ms = Event.objects.filter(session=session).order_by("-t_ms").first().t_ms
    seconds = (last_ms - RECORDING_STARTS_MS) / 1000 + 1
    store_recording(
        session,
        tone_webm(seconds),
        segment=RECORDING_STARTS_MS,
        pieces=4,
        duration_ms=round(seconds * 1000),
    )
    recording = Recording.objects.get(session=session)
    transcript = Transcript.objects.create(
        recording=recording,
        status=Transcript.Status.DONE,
        engine="pocketsphinx",
        fingerprint=fingerprint(recording),
        requested_fingerprint=fingerprint(recording),
    )
    middle = RECORDING_STARTS_MS + round(seconds * 500)
    TranscriptSegment.objects.create(
        transcript=transcript, start_ms=middle, end_ms=middle + 5000, text="where is the cart"
    )
    return session, membership.user, middle


def audio_state(page):
    return page.evaluate(
        """() => {
            const audio = document.querySelector('#voice audio');
            return { paused: audio.paused, time: audio.currentTime * 1000, src: audio.src };
        }"""
    )


def replay_clock_ms(page):
    """The participant's time the replay shows, from the clock text (m:ss, whole seconds)."""
    minutes, seconds = page.locator('[data-slot="clock"]').inner_text().split(" / ")[0].split(":")
    return (int(minutes) * 60 + int(seconds)) * 1000


def test_the_audio_follows_the_replay_and_a_line_jumps_there(live_server, page, recorded, log_in):
    session, owner, middle = recorded
    log_in(page, owner)
    page.goto(live_server.url + reverse("session_replay", args=[session.pk]))
    # Pauses are where people speak: the replay plays them in full when there is audio.
    expect(page.locator('[data-action="skip-idle"]')).not_to_be_checked()
    axe.assert_accessible(page, "replay with its think-aloud panel")

    page.locator("#transcript").get_by_role("button").first.click()
    page.wait_for_function("() => !document.querySelector('#voice audio').paused")
    page.wait_for_timeout(1500)
    state = audio_state(page)
    assert reverse("audio_segment", args=[session.pk, RECORDING_STARTS_MS]) in state["src"]
    heard_at = RECORDING_STARTS_MS + state["time"]
    shown_at = replay_clock_ms(page)
    print(f"\nAudio at {heard_at:.0f} ms, replay clock at {shown_at} ms (whole seconds)")
    assert shown_at - IN_STEP_MS <= heard_at <= shown_at + 1000 + IN_STEP_MS
    assert abs(heard_at - (middle + 1500)) < 1500
    expect(page.locator(".transcript-line.is-now")).to_contain_text("where is the cart")

    page.get_by_role("button", name="Pause").click()
    page.wait_for_function("() => document.querySelector('#voice audio').paused")

    page.locator("#transcript").get_by_role("link", name="Correct").click()
    page.get_by_label("What was said").fill("where is my cart")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".transcript-line").first).to_contain_text("where is my cart")
    assert TranscriptSegment.objects.get().text == "where is my cart"

    page.goto(live_server.url + reverse("study_transcripts", args=[session.study_id]))
    page.get_by_label("Search the transcripts of this study").fill("my cart")
    expect(page.locator("#results")).to_contain_text("1 line with “my cart”")
    axe.assert_accessible(page, "a study's transcripts, searched")
    page.locator("#results").get_by_role("link").click()
    page.wait_for_url(f"**#t-{middle}")
    assert replay_clock_ms(page) == (middle // 1000) * 1000


def test_a_clip_is_marked_from_the_replays_clock(live_server, page, recorded, log_in):
    session, owner, middle = recorded
    log_in(page, owner)
    page.goto(live_server.url + reverse("session_replay", args=[session.pk]) + f"#t-{middle}")
    page.get_by_role("button", name="Mark start here").click()
    start = float(page.get_by_label("Starts at (s)").input_value())
    assert start == pytest.approx(middle / 1000, abs=0.15)
    page.get_by_label("Ends at (s)").fill(f"{start + 1.5:.1f}")
    page.locator("#clips").get_by_label("Note").fill("Looks for the cart")
    page.get_by_role("button", name="Mark the clip").click()
    expect(page.locator(".clip-list")).to_contain_text("Play")
    clip = AudioClip.objects.get()
    assert (clip.note, clip.end_ms - clip.start_ms) == ("Looks for the cart", 1500)

    page.locator(".clip-list").get_by_label("Play it in the summary").check()
    page.locator(".clip-list").get_by_role("button", name="Save").click()
    expect(page.locator(".clip-list")).to_contain_text("in the summary")
    page.goto(live_server.url + reverse("study_summary", args=[session.study_id]))
    clip_audio = page.locator("#clips audio")
    expect(clip_audio).to_have_count(1)
    duration = page.evaluate(
        """async () => {
            const audio = document.querySelector('#clips audio');
            audio.preload = 'auto';
            audio.load();
            await new Promise((done) => {
                audio.addEventListener('canplaythrough', done, { once: true });
            });
            return audio.duration;
        }"""
    )
    print(f"\nThe clip plays {duration} s")
    assert duration == pytest.approx(1.5, abs=0.15)
