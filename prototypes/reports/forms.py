from datetime import UTC, datetime, time

from django import forms
from django.utils import timezone

from prototypes.reports.models import Decision, ReportExport, ReportShare


class ReportShareForm(forms.ModelForm):
    expires_on = forms.DateField(
        required=False,
        label="Expires on",
        help_text="Optional. The link stops working at the end of this day (UTC).",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = ReportShare
        fields = ["label"]

    def clean_expires_on(self):
        day = self.cleaned_data["expires_on"]
        if day is not None and day < timezone.now().date():
            raise forms.ValidationError("Pick today or a later day.")
        return day

    def save(self, commit=True):
        share = super().save(commit=False)
        day = self.cleaned_data["expires_on"]
        share.expires_at = datetime.combine(day, time.max, tzinfo=UTC) if day is not None else None
        if commit:
            share.save()
        return share


class ExportForm(forms.Form):
    kind = forms.ChoiceField(choices=ReportExport.Kind.choices)
    revision = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class DecisionForm(forms.ModelForm):
    class Meta:
        model = Decision
        fields = ["decision", "study", "rationale"]
        widgets = {
            "decision": forms.RadioSelect,
            "rationale": forms.Textarea(attrs={"rows": 5}),
        }
        labels = {"study": "Based on the study", "rationale": "Why"}
        help_texts = {
            "rationale": "What the evidence showed and what else weighed in; future readers "
            "will see this next to the verdict.",
        }

    def __init__(self, *args, problem, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = Decision.Outcome.choices
        self.fields["study"].queryset = problem.studies.order_by("-created_at")
        self.fields["study"].required = False
        self.fields["study"].empty_label = "No particular study"


class ExclusionForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        label="Why leave this session out?",
        error_messages={"required": "Say why this session is left out of the results."},
    )
