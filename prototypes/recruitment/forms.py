from django import forms
from django.core.validators import URLValidator
from django.utils import timezone

from prototypes.recruitment.models import (
    LinkSettings,
    PanelSettings,
    ScreenerQuestion,
    Segment,
    StudyRecruitment,
)
from prototypes.studies.models import ShareLink, Study

Kind = ScreenerQuestion.Kind
Rule = ScreenerQuestion.Rule

MAX_CHOICES = 20
MIN_RETENTION_DAYS = 30


def validate_redirect_url(value):
    """An http(s) URL, where `{pid}` stands for the participant's id from their panel."""
    if "{" in value.replace("{pid}", "") or "}" in value.replace("{pid}", ""):
        raise forms.ValidationError("The only placeholder allowed is {pid}.")
    try:
        URLValidator(schemes=["http", "https"])(value.replace("{pid}", "pid"))
    except forms.ValidationError:
        raise forms.ValidationError(
            "Enter a full web address starting with https:// (or http://)."
        ) from None


class LinkForm(forms.ModelForm):
    completion_code = forms.CharField(
        max_length=64,
        required=False,
        label="Completion code",
        help_text="Shown to participants of this link when they finish (external panels use "
        "it to pay them). Leave empty to use the study's.",
    )
    completion_redirect_url = forms.CharField(
        max_length=500,
        required=False,
        label="Send participants back to",
        validators=[validate_redirect_url],
        help_text="For external panels: participants who finish go on to this address. "
        "{pid} is replaced by the participant id the panel put in the link (?pid=…).",
    )

    class Meta:
        model = ShareLink
        fields = ["name", "quota", "closes_at"]
        labels = {
            "name": "Name",
            "quota": "Quota of completed participants",
            "closes_at": "Stops accepting participants on",
        }
        help_texts = {
            "name": "Say where you share it, e.g. “Newsletter” or “Prolific”: results can be "
            "split by link.",
            "quota": "Once this many have finished through this link, it takes nobody new. "
            "Leave empty for no limit.",
            "closes_at": "Leave empty to keep it open as long as the study is live (UTC).",
        }
        widgets = {
            "closes_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quota"].widget.attrs["min"] = 1
        settings = (
            LinkSettings.objects.filter(link=self.instance).first() if self.instance.pk else None
        )
        if settings is not None:
            self.initial["completion_code"] = settings.completion_code
            self.initial["completion_redirect_url"] = settings.completion_redirect_url

    def clean_name(self):
        return self.cleaned_data["name"].strip()

    def clean_quota(self):
        quota = self.cleaned_data["quota"]
        if quota is not None and quota < 1:
            raise forms.ValidationError("A quota is at least 1; leave it empty for no limit.")
        return quota

    def clean_closes_at(self):
        closes_at = self.cleaned_data["closes_at"]
        if (
            closes_at is not None
            and closes_at <= timezone.now()
            and closes_at != self.initial.get("closes_at")
        ):
            raise forms.ValidationError("Choose a moment in the future.")
        return closes_at

    def save(self, commit=True):
        link = super().save(commit=commit)
        if commit:
            LinkSettings.objects.update_or_create(
                link=link,
                defaults={
                    "completion_code": self.cleaned_data["completion_code"].strip(),
                    "completion_redirect_url": self.cleaned_data["completion_redirect_url"].strip(),
                },
            )
        return link


class StudyRecruitmentForm(forms.ModelForm):
    class Meta:
        model = StudyRecruitment
        fields = ["quota", "reminder_after_days", "invitation_subject", "invitation_message"]
        labels = {
            "invitation_subject": "Subject of the invitation email",
            "invitation_message": "Message of the invitation email",
        }
        help_texts = {
            "invitation_message": "The personal link and an unsubscribe link are added below it.",
        }
        widgets = {"invitation_message": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quota"].widget.attrs["min"] = 1
        self.fields["reminder_after_days"].widget.attrs.update(min=1, max=60)

    def clean_quota(self):
        quota = self.cleaned_data["quota"]
        if quota is not None and quota < 1:
            raise forms.ValidationError("A quota is at least 1; leave it empty for no limit.")
        return quota

    def clean_reminder_after_days(self):
        days = self.cleaned_data["reminder_after_days"]
        if days is not None and not 1 <= days <= 60:
            raise forms.ValidationError("Remind after 1 to 60 days, or leave it empty.")
        return days


class PanelSettingsForm(forms.ModelForm):
    class Meta:
        model = PanelSettings
        fields = ["cooling_off_days", "retention_days"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cooling_off_days"].widget.attrs.update(min=0, max=365)
        self.fields["retention_days"].widget.attrs["min"] = MIN_RETENTION_DAYS

    def clean_cooling_off_days(self):
        days = self.cleaned_data["cooling_off_days"]
        if days > 365:
            raise forms.ValidationError("Choose at most 365 days.")
        return days

    def clean_retention_days(self):
        days = self.cleaned_data["retention_days"]
        if days is not None and days < MIN_RETENTION_DAYS:
            raise forms.ValidationError(
                f"Keep personal data at least {MIN_RETENTION_DAYS} days: participants may take "
                "part in a study over several weeks."
            )
        return days


def _lines(text):
    return [line.strip() for line in text.splitlines() if line.strip()]


class ScreenerQuestionForm(forms.ModelForm):
    choices_text = forms.CharField(
        label="Answers",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One per line.",
    )
    rule_choices_text = forms.CharField(
        label="Answers the rule names",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One per line, written as in the answers above. With multiple choice, "
        "“must be” takes anyone choosing at least one of them, “must not be” screens out "
        "anyone choosing any of them.",
    )

    class Meta:
        model = ScreenerQuestion
        fields = ["text", "kind", "rule", "minimum", "maximum"]
        labels = {
            "text": "Question",
            "kind": "Kind of answer",
            "rule": "Who takes part",
            "minimum": "From",
            "maximum": "To",
        }
        help_texts = {
            "text": "Participants answer before the tasks; they do not see the rule.",
        }
        widgets = {"text": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, study, **kwargs):
        super().__init__(*args, **kwargs)
        self.study = study
        if self.instance.pk:
            self.initial["choices_text"] = "\n".join(self.instance.choices)
            self.initial["rule_choices_text"] = "\n".join(self.instance.rule_choices)

    def clean(self):
        cleaned = super().clean()
        kind, rule = cleaned.get("kind"), cleaned.get("rule")
        cleaned["choices"], cleaned["rule_choices"] = [], []
        if not cleaned.get("text", "").strip():
            self.add_error("text", "Write the question participants will answer.")
        if kind in (Kind.SINGLE, Kind.MULTIPLE):
            choices = self._clean_choices(cleaned.get("choices_text", ""))
            cleaned["choices"] = choices
            if rule == Rule.RANGE:
                self.add_error(
                    "rule",
                    "A range applies to numbers: choose “must be” or "
                    "“must not be” for answers to choose from.",
                )
            elif rule in (Rule.MUST_BE, Rule.MUST_NOT_BE):
                cleaned["rule_choices"] = self._clean_rule_choices(
                    cleaned.get("rule_choices_text", ""), choices
                )
            cleaned["minimum"] = cleaned["maximum"] = None
        elif kind == Kind.NUMBER:
            if rule in (Rule.MUST_BE, Rule.MUST_NOT_BE):
                self.add_error("rule", "For a number, choose a range (or any answer).")
            elif rule == Rule.RANGE:
                self._check_range(cleaned.get("minimum"), cleaned.get("maximum"))
            else:
                cleaned["minimum"] = cleaned["maximum"] = None
        if self.instance.pk and kind:
            self._check_segments_kept(kind, cleaned["choices"])
        return cleaned

    def _clean_choices(self, text):
        choices = _lines(text)
        folded = [choice.casefold() for choice in choices]
        if len(set(folded)) != len(folded):
            self.add_error("choices_text", "An answer is listed twice.")
        if any(len(choice) > 200 for choice in choices):
            self.add_error("choices_text", "Keep each answer under 200 characters.")
        if len(choices) < 2:
            self.add_error("choices_text", "Give at least two answers, one per line.")
        if len(choices) > MAX_CHOICES:
            self.add_error("choices_text", f"Give at most {MAX_CHOICES} answers.")
        return choices

    def _clean_rule_choices(self, text, choices):
        named = _lines(text)
        unknown = [choice for choice in named if choice not in choices]
        if not named:
            self.add_error("rule_choices_text", "Name the answers the rule is about.")
        elif unknown:
            self.add_error(
                "rule_choices_text",
                "Not among the answers: " + ", ".join(f"“{choice}”" for choice in unknown) + ".",
            )
        elif set(named) == set(choices) and len(choices) > 1:
            self.add_error(
                "rule_choices_text",
                "The rule names every answer: nobody could take part, or everybody could. "
                "Name only some of them.",
            )
        return [choice for choice in choices if choice in named]

    def _check_range(self, minimum, maximum):
        if minimum is None and maximum is None:
            self.add_error("minimum", "Give the lowest answer taken, the highest, or both.")
        elif minimum is not None and maximum is not None and minimum > maximum:
            self.add_error("maximum", "The highest answer must not be below the lowest.")

    def _check_segments_kept(self, kind, choices):
        for segment in self.instance.segments.all():
            if kind != Kind.SINGLE or segment.value not in choices:
                self.add_error(
                    "choices_text" if kind == Kind.SINGLE else "kind",
                    f"The segment “{segment.value}” counts this answer: keep it, or delete "
                    "the segment first.",
                )

    def save(self, commit=True):
        self.instance.study = self.study
        self.instance.choices = self.cleaned_data["choices"]
        self.instance.rule_choices = self.cleaned_data["rule_choices"]
        if self.instance.pk is None:
            last = self.study.screener_questions.order_by("-position").first()
            self.instance.position = 0 if last is None else last.position + 1
        return super().save(commit)


class SegmentForm(forms.ModelForm):
    answer = forms.ChoiceField(
        label="Participants who answered",
        help_text="Single-choice screener questions only: each participant is in one segment.",
    )

    class Meta:
        model = Segment
        fields = ["quota"]
        labels = {"quota": "Completed participants wanted"}

    def __init__(self, *args, study, **kwargs):
        super().__init__(*args, **kwargs)
        self.study = study
        self.questions = {
            str(question.pk): question
            for question in study.screener_questions.filter(kind=Kind.SINGLE)
        }
        self.fields["answer"].choices = [
            (
                question.text[:80],
                [
                    (f"{question.pk}:{index}", choice)
                    for index, choice in enumerate(question.choices)
                ],
            )
            for question in self.questions.values()
        ]
        self.fields["quota"].widget.attrs["min"] = 1
        if self.instance.pk:
            question = self.instance.question
            if self.instance.value in question.choices:
                index = question.choices.index(self.instance.value)
                self.initial["answer"] = f"{question.pk}:{index}"

    def clean_quota(self):
        quota = self.cleaned_data["quota"]
        if quota < 1:
            raise forms.ValidationError("A quota is at least 1.")
        return quota

    def clean(self):
        cleaned = super().clean()
        answer = cleaned.get("answer")
        if answer:
            question_pk, _, index = answer.partition(":")
            question = self.questions[question_pk]
            value = question.choices[int(index)]
            taken = Segment.objects.filter(question=question, value=value).exclude(
                pk=self.instance.pk
            )
            if taken.exists():
                self.add_error("answer", "This answer already has a segment: edit that one.")
            self.instance.question = question
            self.instance.value = value
        return cleaned

    def save(self, commit=True):
        self.instance.study = self.study
        return super().save(commit)


class UploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="UTF-8, first line naming the columns: one called “email”, any others become "
        "attributes you can filter by (plan, city, customer since…).",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


class ConfirmImportForm(forms.Form):
    # Sent by the import button itself when rows are left out: the button names them, so
    # pressing it is the go-ahead, and a form from before the problems were known is refused.
    skip_problems = forms.BooleanField(required=False)

    def __init__(self, *args, problem_count=0, **kwargs):
        super().__init__(*args, **kwargs)
        self.problem_count = problem_count

    def clean(self):
        cleaned = super().clean()
        if self.problem_count and not cleaned.get("skip_problems"):
            raise forms.ValidationError(
                f"{self.problem_count} row(s) cannot be imported: press the import button "
                "below to leave them out, or correct the file and upload it again."
            )
        return cleaned


class ContactFilterForm(forms.Form):
    search = forms.CharField(required=False, label="Email contains", max_length=200)
    filters = forms.CharField(
        required=False,
        label="Attributes",
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "plan=pro\ncity=Lyon"}),
        help_text="One per line, as attribute=value (not case-sensitive).",
        max_length=2000,
    )
    subscribed = forms.BooleanField(required=False, label="Only those who accept invitations")


class InviteForm(forms.Form):
    study = forms.ModelChoiceField(
        queryset=Study.objects.none(),
        label="Study",
        empty_label="Choose a live study",
        error_messages={"invalid_choice": "Choose one of this workspace's live studies."},
    )

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["study"].queryset = Study.objects.filter(
            workspace=workspace, state=Study.State.LIVE
        ).order_by("title")


class PrivacySearchForm(forms.Form):
    email = forms.EmailField(required=False, label="Email of a panel contact")
    participant_id = forms.CharField(
        required=False, max_length=128, label="Or participant id from an external panel"
    )

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("email") and not cleaned.get("participant_id", "").strip():
            raise forms.ValidationError("Give an email address or a participant id.")
        return cleaned


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label="I understand that this cannot be undone",
        error_messages={"required": "Tick the box to confirm."},
    )
