"""The think-aloud panel of the session replay: the audio the replay plays in step with the
clicks, the transcript beside it and the clips marked in it (audio/replay_audio.html).

One context builder for the replay page (reports.views.session_replay) and for each partial the
panel swaps (prototypes/audio/transcript_views.py), so the two cannot drift apart.
"""

from django.urls import reverse

from prototypes.audio import transcripts
from prototypes.audio.storage import assembled_audio
from prototypes.audio.transcript_forms import ClipForm
from prototypes.audio.transcript_models import AudioClip, clock
from prototypes.workspaces.http import WorkspaceRequest
from prototypes.workspaces.models import ROLE_RANK, Role

REPLAY_TEMPLATE = "audio/replay_audio.html"


def can_edit(request, workspace_id):
    membership = request.memberships.get(workspace_id)
    return membership is not None and ROLE_RANK[membership.role] >= ROLE_RANK[Role.DESIGNER]


def replay_audio(request: WorkspaceRequest, session, clip_form=None, work_here=False):
    """What the replay page shows of the session's voice: its audio for the player (URLs of its
    segments, its gaps), its transcript and its clips. Shared by the page and its partials;
    the transcript panel's poll passes work_here=True (transcripts.transcript_state)."""
    assembled = assembled_audio(session)
    if assembled is None:
        return {"audio": None}
    return {
        "audio": {
            "segments": [
                {
                    "url": reverse("audio_segment", args=[session.pk, segment.segment]),
                    "start_ms": segment.start_ms,
                    "end_ms": segment.end_ms,
                }
                for segment in assembled.segments
            ],
            "gaps": [
                {
                    "start_ms": gap.start_ms,
                    "end_ms": gap.end_ms,
                    "reason": gap.reason,
                    "clock": f"{clock(gap.start_ms)}–{clock(gap.end_ms)}",
                }
                for gap in assembled.gaps
            ],
        },
        "recorded": clock(assembled.recorded_ms),
        "transcript": transcripts.transcript_state(session, work_here=work_here),
        "lines": transcripts.session_segments(session),
        "clips": list(AudioClip.objects.filter(recording__session=session)),
        "clip_form": clip_form or ClipForm(),
        "can_edit": can_edit(request, session.study.workspace_id),
        "session": session,
    }
