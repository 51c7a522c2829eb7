"""Speech to text for think-aloud recordings, with an engine chosen by a setting.

`TRANSCRIPTION_ENGINE` picks the engine (docs/audio.md, "Transcription engines"):

- ``pocketsphinx`` (the default): CMU PocketSphinx, whose wheel ships a US English model, so
  it runs on any machine with no download. Its words are rough on real speech, which is why
  the designer can correct every segment.
- ``faster-whisper``: Whisper through CTranslate2, far better, for production. It loads a
  model from the local folder `TRANSCRIPTION_MODEL_PATH` (downloaded once by an
  administrator): nothing is fetched at run time. The package is not a requirement of the
  project; install it where this engine is chosen.
- ``none``: recordings are kept, nothing is transcribed.

Every engine takes 16 kHz mono 16-bit PCM (what `decode_to_pcm` makes of any recording PyAV
can read: Opus in WebM or Ogg, WAV, …) and returns `Segment`s whose times are milliseconds
from the start of that audio. Placing them on the session's event clock is the caller's job.
"""

import io
import threading
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SAMPLE_RATE = 16_000
BYTES_PER_SECOND = SAMPLE_RATE * 2
# PocketSphinx measures time in frames of 10 ms.
SPHINX_FRAME_MS = 10
# A pause at least this long between two words starts a new segment; so does a segment
# reaching the longest length, so that a line of the transcript stays a sentence or two.
SEGMENT_PAUSE_MS = 600
SEGMENT_MAX_MS = 12_000
# A time stamp this far ahead of the sound decoded so far marks a hole in the stream.
HOLE_MS = 50
# PocketSphinx's markers of silence, breath and noise: timing, not words.
SPHINX_FILLERS = {"<s>", "</s>", "<sil>", "[NOISE]", "[SPEECH]", "[BREATH]", "[COUGH]"}


class TranscriptionError(Exception):
    """The recording could not be read, or the engine could not run."""


@dataclass(frozen=True)
class Word:
    start_ms: int
    end_ms: int
    text: str


@dataclass(frozen=True)
class Segment:
    start_ms: int
    end_ms: int
    text: str


def decoded_pieces(data, rate):
    """A recording's sound as (first sample, samples) pieces of mono signed 16-bit PCM at `rate`
    (numpy arrays), in order, each placed by the time stamps of the stream.

    A stream missing a chunk in its middle decodes on with its time stamps jumping over the
    hole: what follows keeps its place (the caller leaves silence there) instead of moving up
    into the hole. A truncated end (a tab closed mid-upload) yields what came before it.
    """
    # Imported on first use: a third of a second every web process would pay at start-up.
    import av

    try:
        container = av.open(io.BytesIO(data))
    except av.FFmpegError as error:
        raise TranscriptionError(f"The recording cannot be read: {error}") from error
    resampler = av.AudioResampler(format="s16", layout="mono", rate=rate)
    position = 0
    try:
        with container:
            if not container.streams.audio:
                raise TranscriptionError("The recording has no audio.")
            for frame in container.decode(audio=0):
                if frame.time is not None:
                    stamped = round(frame.time * rate)
                    if stamped - position > rate * HOLE_MS // 1000:
                        position = stamped
                for resampled in resampler.resample(frame):
                    samples = resampled.to_ndarray()[0]
                    yield position, samples
                    position += len(samples)
    except av.FFmpegError as error:
        if not position:
            raise TranscriptionError(f"The recording cannot be decoded: {error}") from error
    for resampled in resampler.resample(None):
        samples = resampled.to_ndarray()[0]
        yield position, samples
        position += len(samples)


def decode_to_pcm(data):
    """Any recording PyAV (its bundled FFmpeg) can read, as 16 kHz mono signed 16-bit PCM, with
    silence where the stream skips time."""
    pcm = bytearray()
    for first, samples in decoded_pieces(data, SAMPLE_RATE):
        missing = first * 2 - len(pcm)
        if missing > 0:
            pcm += bytes(missing)
        pcm += samples.tobytes()
    return bytes(pcm)


def pcm_duration_ms(pcm):
    return len(pcm) * 1000 // BYTES_PER_SECOND


def group_words(words, pause_ms=SEGMENT_PAUSE_MS, max_ms=SEGMENT_MAX_MS):
    """Words in time order, as segments split at pauses and at the longest segment length."""
    segments = []
    current = []
    for word in words:
        if current and (
            word.start_ms - current[-1].end_ms >= pause_ms
            or word.end_ms - current[0].start_ms > max_ms
        ):
            segments.append(_segment(current))
            current = []
        current.append(word)
    if current:
        segments.append(_segment(current))
    return segments


def _segment(words):
    return Segment(words[0].start_ms, words[-1].end_ms, " ".join(word.text for word in words))


class PocketSphinxEngine:
    """CMU PocketSphinx 5 with the US English model its wheel ships."""

    name = "pocketsphinx"

    def __init__(self):
        from pocketsphinx import Decoder

        # Loading the model takes a second or two: one decoder per process, reused.
        self.decoder = Decoder(samprate=SAMPLE_RATE, loglevel="FATAL")
        # A decoder holds one utterance at a time; threads of one web process take turns.
        self.lock = threading.Lock()

    def transcribe(self, pcm):
        decoder = self.decoder
        with self.lock:
            decoder.start_utt()
            decoder.process_raw(pcm, full_utt=True)
            decoder.end_utt()
            found = list(decoder.seg())
        words = [
            Word(
                item.start_frame * SPHINX_FRAME_MS,
                (item.end_frame + 1) * SPHINX_FRAME_MS,
                # Alternative pronunciations are numbered: "the(2)" is "the".
                item.word.split("(")[0],
            )
            for item in found
            if item.word not in SPHINX_FILLERS
        ]
        return group_words(words)


class FasterWhisperEngine:
    """Whisper through faster-whisper, from a model folder on this machine (never downloaded)."""

    name = "faster-whisper"

    def __init__(self, model_path, language="en", device="auto", compute_type="int8"):
        try:
            from faster_whisper import WhisperModel
        except ImportError as error:
            raise ImproperlyConfigured(
                "TRANSCRIPTION_ENGINE=faster-whisper needs the faster-whisper package: "
                "pip install faster-whisper."
            ) from error
        if not model_path:
            raise ImproperlyConfigured(
                "TRANSCRIPTION_ENGINE=faster-whisper needs TRANSCRIPTION_MODEL_PATH, the folder "
                "of a CTranslate2 Whisper model on this machine."
            )
        self.language = language or None
        # local_files_only: a wrong path fails here instead of downloading at run time.
        self.model = WhisperModel(
            model_path, device=device, compute_type=compute_type, local_files_only=True
        )

    def transcribe(self, pcm):
        import numpy

        audio = numpy.frombuffer(pcm, dtype=numpy.int16).astype(numpy.float32) / 32768.0
        segments, _info = self.model.transcribe(
            audio, language=self.language, vad_filter=True, word_timestamps=False
        )
        return [
            Segment(round(segment.start * 1000), round(segment.end * 1000), segment.text.strip())
            for segment in segments
            if segment.text.strip()
        ]


ENGINES = {"pocketsphinx", "faster-whisper", "none"}


def engine_name():
    name = settings.TRANSCRIPTION_ENGINE
    if name not in ENGINES:
        raise ImproperlyConfigured(
            f"TRANSCRIPTION_ENGINE must be one of {', '.join(sorted(ENGINES))}, not {name!r}."
        )
    return name


@lru_cache(maxsize=2)
def _load_engine(name, model_path, language):
    if name == "pocketsphinx":
        return PocketSphinxEngine()
    return FasterWhisperEngine(model_path, language)


def get_engine():
    """The configured engine, loaded once per process; None when transcription is off."""
    name = engine_name()
    if name == "none":
        return None
    return _load_engine(name, settings.TRANSCRIPTION_MODEL_PATH, settings.TRANSCRIPTION_LANGUAGE)


def transcribe_recording(data, engine=None):
    """(segments, audio length in ms) of a recording's bytes, by `engine` or the configured one."""
    engine = engine or get_engine()
    if engine is None:
        raise TranscriptionError("Transcription is turned off (TRANSCRIPTION_ENGINE=none).")
    pcm = decode_to_pcm(data)
    return engine.transcribe(pcm), pcm_duration_ms(pcm)


def word_error_rate(reference, hypothesis):
    """Word error rate of `hypothesis` against `reference`: (S + D + I) / N.

    S, D and I are the substitutions, deletions and insertions of the word-level Levenshtein
    (edit) distance that turns the reference into the hypothesis, and N the reference's number
    of words (V. I. Levenshtein, "Binary codes capable of correcting deletions, insertions and
    reversals", Soviet Physics Doklady 10(8), 1966; the WER as used by NIST's speech
    recognition scoring, sclite). Words are compared lower-cased with punctuation removed. It
    can exceed 1 when the hypothesis inserts many words; an empty reference gives 0 for an
    empty hypothesis and 1 otherwise.
    """
    ref = normalised_words(reference)
    hyp = normalised_words(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    previous = list(range(len(hyp) + 1))
    for i, ref_word in enumerate(ref, start=1):
        current = [i]
        for j, hyp_word in enumerate(hyp, start=1):
            current.append(
                min(
                    previous[j] + 1,  # deletion
                    current[j - 1] + 1,  # insertion
                    previous[j - 1] + (ref_word != hyp_word),  # substitution or match
                )
            )
        previous = current
    return previous[-1] / len(ref)


def normalised_words(text):
    cleaned = "".join(char if char.isalnum() or char == "'" else " " for char in text.lower())
    return cleaned.split()
