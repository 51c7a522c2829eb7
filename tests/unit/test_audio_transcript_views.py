"""Transcripts and clips on the designer's pages and through a stakeholder's summary link
(prototypes/audio/transcript_views.py, audio/replay_audio.html)."""

import io
import json
import zipfile

import av
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from prototypes.audio.models import Recording
from prototypes.audio.transcript_models import AudioClip, Transcript, TranscriptSegment
from prototypes.audio.transcripts import fingerprint
from prototypes.reports.models import ReportExport, ReportShare
from prototypes.reports.tasks import build_export
from tests import factories
from tests.speech import store_recording, tone_webm
from tests.unit.test_reports_views import make_study

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def study(workspace):
    return make_study(workspace, title="Order status", outcomes=("direct",))


@pytest.fixture
def session(study):
    session = study.sessions.get()
    # Six seconds of sound from 1 s into the session.
    store_recording(session, tone_webm(6), segment=1000, pieces=2)
    return session


def transcribed(session, lines=((1200, 2500, "where is the cart"), (4000, 5200, "found it"))):
    """A transcript already made of the session's current audio (no job is asked for)."""
    recording = Recording.objects.get(session=session)
    transcript = Transcript.objects.create(
        recording=recording,
        status=Transcript.Status.DONE,
        engine="pocketsphinx",
        fingerprint=fingerprint(recording),
        requested_fingerprint=fingerprint(recording),
    )
    for start, end, text in lines:
        TranscriptSegment.objects.create(
            transcript=transcript, start_ms=start, end_ms=end, text=text, heard=text
        )
    return transcript


def seconds_of(data):
    with av.open(io.BytesIO(data)) as container:
        return sum(frame.samples / frame.sample_rate for frame in container.decode(audio=0))


# The replay.


def test_the_replay_shows_the_transcript_and_plays_the_audio(viewer_client, session):
    transcribed(session)
    response = viewer_client.get(reverse("session_replay", args=[session.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "where is the cart" in page and 'data-seek-ms="1200"' in page
    assert "replay-audio.js" in page
    assert response.context["audio"]["segments"] == [
        {
            "url": reverse("audio_segment", args=[session.pk, 1000]),
            "start_ms": 1000,
            "end_ms": 7000,
        }
    ]
    # A viewer listens and reads; only designers correct lines and mark clips.
    assert "Correct</a>" not in page and "Mark the clip" not in page


def test_a_replay_without_recording_has_no_voice_panel(viewer_client, study):
    session = study.sessions.get()
    page = viewer_client.get(reverse("session_replay", args=[session.pk])).content.decode()
    assert 'id="voice"' not in page and "replay-audio.js" not in page


def test_the_replay_shows_at_once_and_its_panel_has_the_recording_transcribed(
    designer_client, session, monkeypatch, django_capture_on_commit_callbacks
):
    from prototypes.audio import transcription

    class Engine:
        name = "fake"

        def transcribe(self, pcm):
            return [transcription.Segment(500, 2000, "hello there")]

    monkeypatch.setattr(transcription, "get_engine", Engine)
    # Without a broker the page asks for nothing: the engine would hold it up.
    page = designer_client.get(reverse("session_replay", args=[session.pk])).content.decode()
    assert "Transcribing the recording" in page
    assert reverse("session_transcript", args=[session.pk]) in page
    assert not Transcript.objects.exists()
    # Its panel's poll does the work, in its own request.
    with django_capture_on_commit_callbacks(execute=True):
        designer_client.get(reverse("session_transcript", args=[session.pk]), **HTMX)
    panel = designer_client.get(reverse("session_transcript", args=[session.pk]), **HTMX)
    content = panel.content.decode()
    assert content.lstrip().startswith('<div class="transcript" id="transcript"')
    assert "hello there" in content and "hx-trigger" not in content
    assert 'data-start-ms="1500"' in content  # on the session clock: the recording began at 1 s


# Correcting a line.


def test_a_designer_corrects_a_line_in_place(designer_client, designer, session):
    line = transcribed(session).segments.first()
    url = reverse("transcript_segment_edit", args=[line.pk])
    form = designer_client.get(url, **HTMX)
    assert form.content.decode().lstrip().startswith('<li class="transcript-line is-editing"')
    response = designer_client.post(url, {"text": "where is the basket"}, **HTMX)
    assert (
        'id="line-' in response.content.decode()
        and "where is the basket" in response.content.decode()
    )
    line.refresh_from_db()
    assert (line.text, line.heard, line.edited_by) == (
        "where is the basket",
        "where is the cart",
        designer,
    )


def test_an_empty_correction_is_refused_with_a_message(designer_client, session):
    line = transcribed(session).segments.first()
    response = designer_client.post(
        reverse("transcript_segment_edit", args=[line.pk]), {"text": "   "}, **HTMX
    )
    assert "Write what was said" in response.content.decode()
    line.refresh_from_db()
    assert line.text == "where is the cart"


def test_without_javascript_the_correction_has_its_own_page(designer_client, session):
    line = transcribed(session).segments.first()
    url = reverse("transcript_segment_edit", args=[line.pk])
    assert "The engine heard" in designer_client.get(url).content.decode()
    response = designer_client.post(url, {"text": "where is my cart"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("session_replay", args=[session.pk]))


def test_a_viewer_cannot_correct_and_an_outsider_cannot_see(viewer_client, session, outsider):
    line = transcribed(session).segments.first()
    url = reverse("transcript_segment_edit", args=[line.pk])
    assert viewer_client.post(url, {"text": "mine"}).status_code == 403
    viewer_client.force_login(outsider)
    assert viewer_client.get(reverse("transcript_segment", args=[line.pk])).status_code == 404


# Searching a study's transcripts.


def test_search_lists_matching_lines_with_a_link_to_their_moment(viewer_client, study, session):
    transcribed(session)
    url = reverse("study_transcripts", args=[study.pk])
    page = viewer_client.get(url, {"q": "CART"}).content.decode()
    assert "1 line with “CART”" in page
    assert reverse("session_replay", args=[session.pk]) + "#t-1200" in page
    partial = viewer_client.get(url, {"q": "found"}, **HTMX).content.decode()
    assert partial.lstrip().startswith('<section id="results"')
    assert "found it" in partial
    assert "No line" in viewer_client.get(url, {"q": "zebra"}).content.decode()


def test_the_transcripts_page_costs_the_same_queries_however_many_sessions(
    viewer_client, study, session
):
    transcribed(session)
    url = reverse("study_transcripts", args=[study.pk])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert viewer_client.get(url, {"q": "cart"}).status_code == 200
        return len(captured)

    few = queries()
    for _ in range(4):
        more = factories.SessionFactory(study=study)
        store_recording(more, tone_webm(1), pieces=1)
        transcribed(more)
    assert queries() == few


# Clips.


def test_a_designer_marks_a_clip_and_hears_only_it(designer_client, session):
    response = designer_client.post(
        reverse("clip_create", args=[session.pk]),
        {"start": "2.0", "end": "4.5", "note": "Looks for the cart"},
        **HTMX,
    )
    assert response.content.decode().lstrip().startswith('<div class="clips" id="clips"')
    clip = AudioClip.objects.get()
    assert (clip.start_ms, clip.end_ms, clip.note) == (2000, 4500, "Looks for the cart")
    audio = designer_client.get(reverse("clip_audio", args=[clip.pk]))
    assert audio["Content-Type"] == "audio/webm"
    assert audio["Cache-Control"] == "private, no-store"
    assert seconds_of(audio.content) == pytest.approx(2.5, abs=0.1)


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("3", "2", "must end after it starts"),
        ("0.2", "0.8", "Nothing was recorded at that moment"),
        ("2", "400", "at most 5 minutes"),
        ("", "2", "This field is required"),
    ],
)
def test_a_clip_that_cannot_be_is_refused_with_a_message(
    designer_client, session, start, end, message
):
    response = designer_client.post(
        reverse("clip_create", args=[session.pk]), {"start": start, "end": end}, **HTMX
    )
    assert message in response.content.decode()
    assert not AudioClip.objects.exists()


def place_clip(session, in_summary=True):
    return AudioClip.objects.create(
        recording=session.recording,
        start_ms=1500,
        end_ms=3000,
        note="Can't find the cart",
        in_summary=in_summary,
    )


def test_a_clip_placed_in_the_summary_plays_from_the_share_link(client, designer_client, session):
    transcribed(session)
    clip = place_clip(session, in_summary=False)
    designer_client.post(
        reverse("clip_update", args=[clip.pk]), {"in_summary": "on", "note": clip.note}
    )
    clip.refresh_from_db()
    assert clip.in_summary
    share = ReportShare.objects.create(study=session.study)
    page = client.get(reverse("report_share_view", args=[share.token])).content.decode()
    audio_url = reverse("shared_clip_audio", args=[share.token, clip.pk])
    assert audio_url in page
    assert "Can&#x27;t find the cart" in page and "where is the cart" in page
    audio = client.get(audio_url)
    assert audio.status_code == 200
    assert audio["Cache-Control"] == "private, no-store"
    assert seconds_of(audio.content) == pytest.approx(1.5, abs=0.1)
    # The designer's own summary plays it through the workspace-checked URL.
    summary = designer_client.get(reverse("study_summary", args=[session.study_id]))
    assert reverse("clip_audio", args=[clip.pk]) in summary.content.decode()


def test_the_share_link_plays_nothing_else(client, session, workspace):
    hidden = place_clip(session, in_summary=False)
    shown = place_clip(session)
    share = ReportShare.objects.create(study=session.study)
    other_share = ReportShare.objects.create(study=make_study(workspace, outcomes=()))
    assert (
        client.get(reverse("shared_clip_audio", args=[share.token, hidden.pk])).status_code == 404
    )
    url = reverse("shared_clip_audio", args=[other_share.token, shown.pk])
    assert client.get(url).status_code == 404
    assert (
        client.get(reverse("shared_clip_audio", args=["not-a-token", shown.pk])).status_code == 404
    )


def test_a_revoked_or_expired_link_stops_playing_at_once(client, session):
    clip = place_clip(session)
    share = ReportShare.objects.create(study=session.study)
    url = reverse("shared_clip_audio", args=[share.token, clip.pk])
    assert client.get(url).status_code == 200
    ReportShare.objects.filter(pk=share.pk).update(revoked_at=timezone.now())
    assert client.get(url).status_code == 404
    ReportShare.objects.filter(pk=share.pk).update(
        revoked_at=None, expires_at=timezone.now() - timezone.timedelta(minutes=1)
    )
    assert client.get(url).status_code == 404


def test_a_clip_in_a_gap_answers_that_it_has_no_sound(designer_client, session):
    clip = AudioClip.objects.create(recording=session.recording, start_ms=100, end_ms=500)
    response = designer_client.get(reverse("clip_audio", args=[clip.pk]))
    assert response.status_code == 409
    assert "Nothing was recorded" in response.content.decode()


def test_a_viewer_cannot_mark_or_place_clips(viewer_client, session):
    clip = place_clip(session, in_summary=False)
    url = reverse("clip_create", args=[session.pk])
    assert viewer_client.post(url, {"start": "2", "end": "3"}).status_code == 403
    update = reverse("clip_update", args=[clip.pk])
    assert viewer_client.post(update, {"in_summary": "on"}).status_code == 403
    assert viewer_client.post(reverse("clip_delete", args=[clip.pk])).status_code == 403
    clip.refresh_from_db()
    assert not clip.in_summary


# Exports.


@pytest.mark.parametrize("kind", ["json", "csv"])
def test_raw_data_exports_carry_transcripts_and_clips_but_no_audio_link(study, session, kind):
    transcribed(session)
    place_clip(session)
    export = ReportExport.objects.create(study=study, kind=kind)
    build_export(export.pk)
    export.refresh_from_db()
    content = export.file.read()
    if kind == "json":
        data = json.loads(content)
        assert [line["text"] for line in data["transcript_segments"]] == [
            "where is the cart",
            "found it",
        ]
        assert data["transcript_segments"][0]["session"] == session.pk
        assert data["audio_clips"][0]["note"] == "Can't find the cart"
        text = content.decode()
    else:
        archive = zipfile.ZipFile(io.BytesIO(content))
        text = archive.read("transcript_segments.csv").decode()
        assert "where is the cart" in text
        text += archive.read("audio_clips.csv").decode()
    assert "/audio" not in text and "/clips/" not in text and "/r/" not in text
