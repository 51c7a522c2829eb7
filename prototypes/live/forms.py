from django import forms

from prototypes.forms import PlainLabels
from prototypes.live.models import ObserverInvite
from prototypes.live.observe import MAX_NOTE_CHARS, MAX_T_MS


class ObserverInviteForm(PlainLabels, forms.ModelForm):
    class Meta:
        model = ObserverInvite
        fields = ["label"]
        labels = {"label": "Who is it for?"}


def tags_field():
    """A note's tags as typed, by observers and facilitators alike (observe.parse_tags reads
    them)."""
    return forms.CharField(
        label="Tags",
        required=False,
        max_length=200,
        help_text="Words separated by spaces or commas, e.g. pricing, confusion.",
    )


class NoteForm(PlainLabels, forms.Form):
    text = forms.CharField(
        label="Note",
        max_length=MAX_NOTE_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Write the note first."},
    )
    tags = tags_field()
    # The moment of the session the note is about, set by the observer's page.
    t_ms = forms.IntegerField(
        required=False, min_value=0, max_value=MAX_T_MS, widget=forms.HiddenInput
    )
