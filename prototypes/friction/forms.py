"""Forms of the evidence inbox and its themes."""

from django import forms

from prototypes.forms import PlainLabels
from prototypes.friction import exports
from prototypes.friction.models import Theme


class UploadForm(PlainLabels, forms.Form):
    file = forms.FileField(
        label="CSV export",
        help_text="Zendesk, Intercom or Freshdesk tickets, App Store or Google Play reviews, "
        f"or any CSV with a text column; up to {exports.MAX_ROWS:,} rows.",
    )


class MappingForm(PlainLabels, forms.Form):
    """Which column holds each field; pre-filled from the recognised layout."""

    def __init__(self, *args, columns, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "(not in this file)")] + [(column, column) for column in columns]
        for name, label in exports.FIELDS.items():
            self.fields[name] = forms.ChoiceField(label=label, choices=choices, required=False)

    def clean(self):
        data = super().clean()
        if not data.get("text") and not data.get("title"):
            raise forms.ValidationError("Choose the column that holds the text.")
        return data


class ItemForm(PlainLabels, forms.Form):
    text = forms.CharField(label="What the customer said", widget=forms.Textarea(attrs={"rows": 3}))
    source = forms.CharField(label="Source", max_length=60, initial="Added by hand")
    happened_at = forms.DateField(
        label="Date", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    segment = forms.CharField(label="Customer segment", max_length=100, required=False)
    rating = forms.FloatField(label="Rating (1 to 5)", min_value=1, max_value=5, required=False)
    link = forms.URLField(label="Link back", max_length=500, required=False, assume_scheme="https")


class NotesForm(PlainLabels, forms.Form):
    notes = forms.CharField(
        label="Interview notes",
        help_text="One item per paragraph (leave a blank line between them).",
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    source = forms.CharField(label="Source", max_length=60, initial="Interview")
    segment = forms.CharField(label="Customer segment", max_length=100, required=False)


class RenameForm(PlainLabels, forms.ModelForm):
    class Meta:
        model = Theme
        fields = ["name"]


class OverrideForm(PlainLabels, forms.ModelForm):
    class Meta:
        model = Theme
        fields = ["override", "shipped_on"]
        labels = {"override": "Place in the top three"}
        widgets = {"shipped_on": forms.DateInput(attrs={"type": "date"})}


class MoveForm(PlainLabels, forms.Form):
    """Where the items ticked on a theme page go: another theme, or a new one (a split)."""

    theme = forms.ModelChoiceField(
        queryset=Theme.objects.none(),
        label="Move the ticked items to",
        required=False,
        empty_label="a new theme (split)",
    )
    name = forms.CharField(label="Name of the new theme", max_length=200, required=False)

    def __init__(self, *args, themes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].queryset = themes


class MergeForm(PlainLabels, forms.Form):
    others = forms.ModelMultipleChoiceField(
        queryset=Theme.objects.none(), label="Merge these themes into this one"
    )

    def __init__(self, *args, themes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["others"].queryset = themes


class EraseForm(PlainLabels, forms.Form):
    email = forms.EmailField(label="The customer's email address")
