from django import forms

from prototypes.api.access import SCOPE_ROLE
from prototypes.api.models import AccessToken
from prototypes.forms import PlainLabels
from prototypes.workspaces.models import ROLE_RANK


class AccessTokenForm(PlainLabels, forms.Form):
    name = forms.CharField(
        max_length=80, help_text="What the token is for, e.g. “Weekly dashboard”."
    )
    scope = forms.ChoiceField(choices=AccessToken.Scope.choices, initial=AccessToken.Scope.READ)

    def __init__(self, *args, role, **kwargs):
        super().__init__(*args, **kwargs)
        self.role = role

    def clean_scope(self):
        scope = self.cleaned_data["scope"]
        if ROLE_RANK[self.role] < ROLE_RANK[SCOPE_ROLE[scope]]:
            raise forms.ValidationError(
                "Only designers and owners may create tokens that write. Choose read."
            )
        return scope
