"""Known speech for the transcription tests: espeak-ng says a sentence, PyAV encodes it the way
browsers record it (Opus in WebM).

espeak-ng comes from Debian (`make test` installs it). The voice and the pace were chosen by
trying several on PocketSphinx's model: espeak-ng's robotic voices are far from the speech
that model was trained on, and en-us+f5 at 140 words a minute is the one it hears best.
"""

import io
import shutil
import subprocess

import av
import pytest

from tests.conftest import in_ci

SENTENCE = (
    "I cannot find the checkout button on this page. Where is my shopping cart? "
    "I will try the menu at the top."
)
# The words a transcript of SENTENCE must contain: the ones that say what went wrong.
KEY_WORDS = {"cannot", "find", "checkout", "shopping", "cart", "menu", "top"}
VOICE = "en-us+f5"
WORDS_PER_MINUTE = 140


def espeak_wav(path, text=SENTENCE):
    """Write `text` spoken by espeak-ng to the WAV file `path`; skip (fail in CI) without it."""
    if shutil.which("espeak-ng") is None:
        message = "needs espeak-ng (apt-get install espeak-ng; make test installs it)"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    subprocess.run(
        ["espeak-ng", "-v", VOICE, "-s", str(WORDS_PER_MINUTE), "-w", str(path), text],
        check=True,
        capture_output=True,
    )
    return path


def webm_opus(wav_path, repeat=1, live=True):
    """The WAV as Opus in WebM (48 kHz mono), said `repeat` times. `live`: written as
    MediaRecorder writes it, as a stream with no duration and no index (cues) to seek by."""
    buffer = io.BytesIO()
    with av.open(str(wav_path)) as source:
        frames = list(source.decode(audio=0))
    options = {"live": "1"} if live else {}
    with av.open(buffer, "w", format="webm", options=options) as output:
        stream = output.add_stream("libopus", rate=48000)
        stream.layout = "mono"
        resampler = av.AudioResampler(format="s16", layout="mono", rate=48000)
        pts = 0
        for _ in range(repeat):
            for frame in [*frames, None]:
                for resampled in resampler.resample(frame):
                    # Each repetition continues the clock of the one before.
                    resampled.pts = pts
                    pts += resampled.samples
                    for packet in stream.encode(resampled):
                        output.mux(packet)
            resampler = av.AudioResampler(format="s16", layout="mono", rate=48000)
        for packet in stream.encode(None):
            output.mux(packet)
    return buffer.getvalue()


def tone_webm(seconds=2.0, frequency=440):
    """A quiet sine tone as Opus in WebM, streamed as MediaRecorder writes it: real audio for
    tests that do not need words."""
    import numpy

    rate = 48000
    samples = numpy.arange(int(seconds * rate))
    wave = (2000 * numpy.sin(2 * numpy.pi * frequency * samples / rate)).astype(numpy.int16)
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="webm", options={"live": "1"}) as output:
        stream = output.add_stream("libopus", rate=rate)
        stream.layout = "mono"
        for start in range(0, len(wave), 960):
            frame = av.AudioFrame.from_ndarray(
                wave[start : start + 960].reshape(1, -1), format="s16", layout="mono"
            )
            frame.sample_rate = rate
            frame.pts = start
            for packet in stream.encode(frame):
                output.mux(packet)
        for packet in stream.encode(None):
            output.mux(packet)
    return buffer.getvalue()


def store_recording(session, data, segment=0, pieces=3, duration_ms=None):
    """Store `data` as the chunks of one recorder that started at `segment` (session clock)."""
    from prototypes.audio.storage import store_chunk

    size = -(-len(data) // pieces)
    parts = [data[start : start + size] for start in range(0, len(data), size)]
    each_ms = (duration_ms or 3000 * len(parts)) // len(parts)
    for index, part in enumerate(parts):
        store_chunk(
            session,
            segment=segment,
            index=index,
            offset_ms=segment + index * each_ms,
            duration_ms=each_ms,
            mime_type="audio/webm;codecs=opus",
            data=part,
        )
