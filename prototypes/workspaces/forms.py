from django import forms

from prototypes.workspaces.models import Invitation, Membership, Role, Workspace


class SignUpForm(forms.Form):
    """The first step of sign-up: where to send the link. The password is chosen on the page
    the link opens, once the address is proved."""

    email = forms.EmailField(help_text="You log in with this address.")
    workspace_name = forms.CharField(
        max_length=120, label="Team or workspace name", initial="My team"
    )

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class WorkspaceForm(forms.ModelForm):
    class Meta:
        model = Workspace
        fields = ["name"]


class InvitationForm(forms.ModelForm):
    class Meta:
        model = Invitation
        fields = ["email", "role"]

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.workspace = workspace

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if Membership.objects.filter(workspace=self.workspace, user__email__iexact=email).exists():
            raise forms.ValidationError("This person is already a member.")
        return email


class MembershipRoleForm(forms.ModelForm):
    role = forms.ChoiceField(choices=Role.choices)

    class Meta:
        model = Membership
        fields = ["role"]
