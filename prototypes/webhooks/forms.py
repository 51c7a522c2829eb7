from django import forms

from prototypes.webhooks.models import Endpoint, EventType
from prototypes.webhooks.services import UnsafeURL, check_url


class EndpointForm(forms.ModelForm):
    url = forms.URLField(
        label="URL",
        max_length=500,
        assume_scheme="https",
        help_text="Where we POST each event: a public https:// address.",
    )
    events = forms.MultipleChoiceField(
        choices=EventType.choices,
        widget=forms.CheckboxSelectMultiple,
        label="Send these events",
        error_messages={"required": "Choose at least one event to send."},
    )

    class Meta:
        model = Endpoint
        fields = ["url", "description", "events", "format"]
        labels = {"format": "Message format"}
        help_texts = {
            "format": "Slack-compatible sends a short message for an incoming-webhook URL.",
        }

    def clean_url(self):
        url = self.cleaned_data["url"].strip()
        try:
            check_url(url)
        except UnsafeURL as refusal:
            raise forms.ValidationError(str(refusal)) from None
        return url


class EndpointEditForm(EndpointForm):
    class Meta(EndpointForm.Meta):
        fields = [*EndpointForm.Meta.fields, "is_active"]
        labels = {**EndpointForm.Meta.labels, "is_active": "Active"}
