from django import forms

from prototypes.forms import PlainLabels
from prototypes.live.forms import tags_field
from prototypes.moderation.machine import TRANSITIONS
from prototypes.moderation.models import MAX_NAME_CHARS, MAX_NOTE_CHARS, MAX_REPLY_CHARS


class ScheduleForm(PlainLabels, forms.Form):
    participant_name = forms.CharField(
        label="Participant",
        max_length=MAX_NAME_CHARS,
        help_text="A name or a nickname: only the workspace sees it.",
    )
    scheduled_at = forms.DateTimeField(
        label="When",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        error_messages={"invalid": "Enter a date and time, like 2026-12-07 14:30."},
    )


class NoteForm(PlainLabels, forms.Form):
    text = forms.CharField(
        label="Note",
        max_length=MAX_NOTE_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Write the note first."},
    )
    tags = tags_field()


class CommandForm(forms.Form):
    action = forms.ChoiceField(
        choices=[(action, action) for action in TRANSITIONS],
        error_messages={"invalid_choice": "Unknown action."},
    )


class WizardAnswerForm(PlainLabels, forms.Form):
    target = forms.CharField(label="Go to step", max_length=100, required=False)
    reply = forms.CharField(
        label="Or type the bot's reply",
        max_length=MAX_REPLY_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
