"""Transcription engines, decoding and the word error rate (prototypes/audio/transcription.py)."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from prototypes.audio import transcription
from prototypes.audio.transcription import (
    PocketSphinxEngine,
    Segment,
    TranscriptionError,
    Word,
    decode_to_pcm,
    group_words,
    normalised_words,
    pcm_duration_ms,
    transcribe_recording,
    word_error_rate,
)
from tests.speech import KEY_WORDS, SENTENCE, espeak_wav, webm_opus


def test_word_error_rate_counts_substitutions_deletions_and_insertions():
    assert word_error_rate("the cat sat", "the cat sat") == 0
    assert word_error_rate("the cat sat", "the dog sat") == pytest.approx(1 / 3)
    assert word_error_rate("the cat sat", "the sat") == pytest.approx(1 / 3)
    assert word_error_rate("the cat sat", "the cat sat down") == pytest.approx(1 / 3)
    assert word_error_rate("the cat", "a big dog barked") == 2.0
    assert word_error_rate("", "") == 0
    assert word_error_rate("", "noise") == 1


def test_word_error_rate_ignores_case_and_punctuation():
    assert word_error_rate("Where is my cart?", "where is my cart") == 0
    assert normalised_words("I can't — really!") == ["i", "can't", "really"]


def test_words_are_grouped_into_segments_at_pauses_and_at_the_longest_length():
    words = [Word(0, 300, "where"), Word(350, 500, "is"), Word(1500, 1800, "it")]
    assert group_words(words) == [Segment(0, 500, "where is"), Segment(1500, 1800, "it")]
    steady = [Word(i * 1000, i * 1000 + 900, f"w{i}") for i in range(30)]
    segments = group_words(steady, max_ms=5000)
    assert all(segment.end_ms - segment.start_ms <= 5000 for segment in segments)
    assert " ".join(segment.text for segment in segments) == " ".join(w.text for w in steady)


def test_something_that_is_not_audio_is_refused_clearly():
    with pytest.raises(TranscriptionError, match="cannot be"):
        decode_to_pcm(b"this is not a recording")


def test_an_unknown_engine_setting_names_the_setting(settings):
    settings.TRANSCRIPTION_ENGINE = "siri"
    with pytest.raises(ImproperlyConfigured, match="TRANSCRIPTION_ENGINE"):
        transcription.get_engine()


def test_no_engine_when_transcription_is_off(settings):
    settings.TRANSCRIPTION_ENGINE = "none"
    assert transcription.get_engine() is None
    with pytest.raises(TranscriptionError, match="turned off"):
        transcribe_recording(b"")


def test_faster_whisper_names_what_it_misses(settings):
    settings.TRANSCRIPTION_ENGINE = "faster-whisper"
    settings.TRANSCRIPTION_MODEL_PATH = ""
    # Whether or not the package is installed, the message names what to do.
    with pytest.raises(ImproperlyConfigured, match="faster-whisper|TRANSCRIPTION_MODEL_PATH"):
        transcription.FasterWhisperEngine("", "en")


def test_pocketsphinx_hears_the_key_words_of_a_spoken_sentence_in_webm_opus(tmp_path):
    recording = webm_opus(espeak_wav(tmp_path / "sentence.wav"))
    segments, duration_ms = transcribe_recording(recording, PocketSphinxEngine())
    heard = " ".join(segment.text for segment in segments)
    error_rate = word_error_rate(SENTENCE, heard)
    print(f"\nSaid:  {SENTENCE}\nHeard: {heard}\nWord error rate: {error_rate:.0%}")
    missing = KEY_WORDS - set(normalised_words(heard))
    # PocketSphinx on espeak-ng's voice: most, not all, of the key words.
    assert len(missing) <= 2, f"missing key words {missing} in {heard!r}"
    assert error_rate < 0.5
    assert 5000 < duration_ms < 9000
    assert all(0 <= s.start_ms < s.end_ms <= duration_ms + 50 for s in segments)
    assert [s.start_ms for s in segments] == sorted(s.start_ms for s in segments)


def test_faster_whisper_is_given_the_local_model_and_its_times_become_milliseconds(monkeypatch):
    """The engine's glue, with a stand-in for the faster_whisper package (not installed here)."""
    import sys
    import types

    import numpy

    calls = {}

    class WhisperModel:
        def __init__(self, path, **options):
            calls["model"] = (path, options)

        def transcribe(self, audio, **options):
            calls["audio"], calls["options"] = audio, options
            said = types.SimpleNamespace(start=1.25, end=2.5, text=" Where is the cart? ")
            silence = types.SimpleNamespace(start=3.0, end=3.5, text="  ")
            return iter([said, silence]), None

    monkeypatch.setitem(
        sys.modules, "faster_whisper", types.SimpleNamespace(WhisperModel=WhisperModel)
    )
    engine = transcription.FasterWhisperEngine("/srv/models/small.en", "en")
    pcm = numpy.array([0, 16384, -32768], dtype=numpy.int16).tobytes()
    assert engine.transcribe(pcm) == [Segment(1250, 2500, "Where is the cart?")]
    path, options = calls["model"]
    assert path == "/srv/models/small.en" and options["local_files_only"] is True
    assert calls["audio"].dtype == numpy.float32
    assert list(calls["audio"]) == [0.0, 0.5, -1.0]
    assert calls["options"]["language"] == "en" and calls["options"]["vad_filter"] is True


def test_sound_after_a_missing_chunk_keeps_its_time():
    """A stream missing bytes in its middle (a chunk that never arrived) decodes on, its time
    stamps jumping: what follows is placed by them, with silence in the hole."""
    import numpy

    from tests.speech import tone_webm

    whole = tone_webm(12)
    quarter = len(whole) // 4
    holed = whole[:quarter] + whole[2 * quarter :]
    pcm = numpy.frombuffer(decode_to_pcm(holed), dtype=numpy.int16)
    assert pcm_duration_ms(decode_to_pcm(holed)) == pytest.approx(12000, abs=100)
    steps = pcm[: len(pcm) // 160 * 160].astype(numpy.int32).reshape(-1, 160)  # 10 ms each
    loud = numpy.abs(steps).max(axis=1) > 500
    silent = numpy.flatnonzero(~loud)
    # The hole: a few seconds of silence after the first quarter, sound on both sides.
    assert 2000 < len(silent) * 10 < 5000
    assert loud[:200].all() and loud[-200:].all()
