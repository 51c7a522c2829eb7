from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from prototypes.audio.transcript_models import MAX_CLIP_MS, MAX_SEGMENT_CHARS, AudioClip
from prototypes.audio.transcripts import clean_segment_text
from prototypes.forms import PlainLabels


class SegmentForm(PlainLabels, forms.Form):
    text = forms.CharField(
        label="What was said",
        max_length=MAX_SEGMENT_CHARS,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_text(self):
        return clean_segment_text(self.cleaned_data["text"])


def seconds_field(label, help_text=""):
    return forms.DecimalField(
        label=label,
        min_value=Decimal(0),
        max_value=Decimal(31 * 24 * 3600),
        decimal_places=1,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
    )


class ClipForm(PlainLabels, forms.Form):
    """A clip's moment in seconds of the session (as the replay's clock shows), and a note."""

    start = seconds_field("Starts at (s)", "Seconds into the session.")
    end = seconds_field("Ends at (s)")
    note = forms.CharField(
        label="Note",
        max_length=AudioClip._meta.get_field("note").max_length,
        required=False,
        help_text="What a stakeholder should hear in it.",
    )

    def __init__(self, *args, recorded=(), **kwargs):
        super().__init__(*args, **kwargs)
        # (start_ms, end_ms) of each playable stretch of the recording.
        self.recorded = list(recorded)

    def clean(self):
        cleaned = super().clean()
        if "start" not in cleaned or "end" not in cleaned:
            return cleaned
        start_ms, end_ms = round(cleaned["start"] * 1000), round(cleaned["end"] * 1000)
        if end_ms <= start_ms:
            raise ValidationError("The clip must end after it starts.")
        if end_ms - start_ms > MAX_CLIP_MS:
            raise ValidationError(f"A clip lasts at most {MAX_CLIP_MS // 60000} minutes.")
        if not any(low <= start_ms < high for low, high in self.recorded):
            raise ValidationError("Nothing was recorded at that moment: pick a start with sound.")
        cleaned["start_ms"], cleaned["end_ms"] = start_ms, end_ms
        return cleaned


class ClipPlacementForm(PlainLabels, forms.Form):
    in_summary = forms.BooleanField(label="Play it in the summary", required=False)
    note = forms.CharField(
        label="Note", max_length=AudioClip._meta.get_field("note").max_length, required=False
    )
