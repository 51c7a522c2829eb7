"""Clips: moments of a recording a designer marks, with a note, for the stakeholder summary.

A clip is played as its own short file, cut from the recording when asked for: a stakeholder
who hears it through a summary link gets those seconds and nothing around them. Nothing is
stored for it, so erasing the recording leaves no copy behind.
"""

import io
from dataclasses import dataclass

from prototypes.audio.storage import assembled_audio
from prototypes.audio.transcript_models import AudioClip, TranscriptSegment
from prototypes.audio.transcription import TranscriptionError, decoded_pieces

CLIP_RATE = 48_000
CLIP_MIME_TYPE = "audio/webm"


class ClipUnavailable(Exception):
    """The clip's moment has no playable audio (a gap, or a recording that is gone)."""


def cut(data, start_ms, end_ms):
    """The part of a recording between two moments (ms from its start), as Opus in WebM.

    The recording is decoded from its start (a browser's recording has no index to seek by) up
    to the clip's end only, and just the clip's samples are kept in memory; a hole in the
    stream (a chunk that never arrived) is silence.
    """
    import numpy

    first = start_ms * CLIP_RATE // 1000
    last = end_ms * CLIP_RATE // 1000
    kept = []
    reached = first
    try:
        for position, samples in decoded_pieces(data, CLIP_RATE):
            low, high = max(first, position), min(last, position + len(samples))
            if high > low:
                if low > reached:
                    kept.append(numpy.zeros(low - reached, dtype=numpy.int16))
                kept.append(samples[low - position : high - position])
                reached = high
            if position + len(samples) >= last:
                break
    except TranscriptionError as error:
        raise ClipUnavailable(str(error)) from error
    if not kept:
        raise ClipUnavailable("The recording has no sound at this moment.")
    return encode_webm(kept)


def encode_webm(pieces):
    import av
    import numpy

    samples = numpy.concatenate(pieces)
    output_buffer = io.BytesIO()
    with av.open(output_buffer, "w", format="webm") as output:
        stream = output.add_stream("libopus", rate=CLIP_RATE)
        stream.layout = "mono"
        # Opus takes 20 ms frames.
        step = CLIP_RATE // 50
        for start in range(0, len(samples), step):
            frame = av.AudioFrame.from_ndarray(
                samples[start : start + step].reshape(1, -1), format="s16", layout="mono"
            )
            frame.sample_rate = CLIP_RATE
            frame.pts = start
            for packet in stream.encode(frame):
                output.mux(packet)
        for packet in stream.encode(None):
            output.mux(packet)
    return output_buffer.getvalue()


def clip_audio(clip):
    """The clip's sound as WebM bytes, from the recorder that was running when it starts."""
    assembled = assembled_audio(clip.recording.session)
    part = next(
        (
            segment
            for segment in (assembled.segments if assembled else [])
            if segment.start_ms <= clip.start_ms < segment.end_ms
        ),
        None,
    )
    if part is None:
        raise ClipUnavailable("Nothing was recorded at this moment.")
    return cut(
        part.read(),
        clip.start_ms - part.start_ms,
        min(clip.end_ms, part.end_ms) - part.start_ms,
    )


@dataclass(frozen=True)
class SummaryClip:
    clip: AudioClip
    said: str  # the transcript's lines within the clip, for those who cannot listen


def summary_clips(study):
    """The clips placed in the study's summary, in session order, each with what was said in it:
    two queries, whatever their number."""
    clips = list(
        AudioClip.objects.filter(recording__session__study=study, in_summary=True)
        .select_related("recording__session")
        .order_by("recording__session__started_at", "start_ms", "id")
    )
    if not clips:
        return []
    lines = {}
    for line in TranscriptSegment.objects.filter(
        transcript__recording__in={clip.recording_id for clip in clips}
    ).values("transcript__recording_id", "start_ms", "end_ms", "text"):
        lines.setdefault(line["transcript__recording_id"], []).append(line)
    return [
        SummaryClip(
            clip,
            " ".join(
                line["text"]
                for line in sorted(lines.get(clip.recording_id, []), key=lambda x: x["start_ms"])
                if line["start_ms"] < clip.end_ms and clip.start_ms < line["end_ms"]
            ),
        )
        for clip in clips
    ]
