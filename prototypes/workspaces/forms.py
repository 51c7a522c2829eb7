from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm

from prototypes.workspaces.models import Invitation, Membership, Role, Workspace

User = get_user_model()


class SignUpForm(UserCreationForm):
    email = forms.EmailField(help_text="You log in with this address.")
    workspace_name = forms.CharField(
        max_length=120, label="Team or workspace name", initial="My team"
    )

    class Meta:
        model = User
        fields = ["email"]

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(username__iexact=email).exists():
            raise forms.ValidationError(
                "An account with this email already exists. Log in instead."
            )
        return email

    def save(self, commit=True):
        user = super().save(commit=False)
        user.username = user.email = self.cleaned_data["email"]
        if commit:
            user.save()
        return user


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
