"""The participant target of a study: what to offer once it is reached, and raising it.

A live study that reaches its target keeps taking participants until the designer decides;
the study page then asks them to raise the target or close the study, rather than reading
"31 of 30" with nothing to do.
"""

from django import forms

from prototypes.studies.models import Study

MAX_TARGET = 100_000


def target_reached(study, finished):
    """Whether a live study has as many finished participants as it asked for, or more."""
    return study.state == Study.State.LIVE and finished >= study.target_participants


def suggested_target(study, finished):
    """Half as many again as asked for, counted from where the study already is."""
    return max(study.target_participants, finished) + max(5, round(study.target_participants / 2))


class TargetForm(forms.Form):
    target = forms.IntegerField(
        label="New target",
        min_value=1,
        max_value=MAX_TARGET,
        help_text="Participants who finish the study.",
    )

    def __init__(self, *args, finished, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.finished = finished

    def clean_target(self):
        target = self.cleaned_data["target"]
        if target <= self.finished:
            raise forms.ValidationError(
                f"{self.finished} participants have already finished: choose a target above "
                f"{self.finished}, or close the study."
            )
        return target
