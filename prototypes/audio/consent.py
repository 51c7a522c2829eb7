"""What the player's consent page says about think-aloud recording, and the recorder's words."""

from django.urls import reverse
from django.utils.translation import gettext as _

from prototypes.audio import storage
from prototypes.recruitment.models import PanelSettings
from prototypes.studies.models import Study


def think_aloud_context(study):
    """The template context of prototypes/templates/audio/consent.html, or None when the study
    records no audio. Call it with the participants' language active."""
    if study.think_aloud == Study.ThinkAloud.OFF:
        return None
    retention_days = (
        PanelSettings.objects.filter(workspace_id=study.workspace_id)
        .values_list("retention_days", flat=True)
        .first()
    )
    return {
        "required": study.think_aloud == Study.ThinkAloud.REQUIRED,
        "retention_days": retention_days,
        "upload_url": reverse("api_audio_chunk", args=["SESSION"]),
        "strings": {
            "no_microphone": _(
                "We could not use a microphone. Check that one is connected and that this page "
                "may use it (the icon in the address bar), then try again."
            ),
            "no_microphone_optional": _(
                "We could not use a microphone. You can take part without recording: untick "
                "“Record my voice”, or allow the microphone and try again."
            ),
            "unsupported": _("This browser cannot record audio. Please try another browser."),
            "hearing": _("We can hear you."),
            "silent": _("Say a few words: the bar moves when we hear you."),
            "recording": _("Recording your voice"),
            "full": _(
                "Your recording reached its limit of %(megabytes)s MB; the study goes on without "
                "recording."
            )
            % {"megabytes": storage.MAX_SESSION_BYTES // 1_000_000},
        },
    }
