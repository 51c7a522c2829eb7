from django import forms

from prototypes.figma.client import FigmaError, parse_link
from prototypes.figma.models import FigmaImport
from prototypes.forms import PlainLabels


class FigmaImportForm(PlainLabels, forms.Form):
    link = forms.CharField(
        label="Figma link",
        max_length=1000,
        help_text="The link of the file, or of one page or frame in it (in Figma: Share › Copy "
        "link). A frame link imports the frames of its page, that frame first.",
        widget=forms.TextInput(
            attrs={"placeholder": "https://www.figma.com/design/…", "autocomplete": "off"}
        ),
    )
    token = forms.CharField(
        label="Personal access token",
        max_length=400,
        help_text="Make one in Figma: Settings › Security › Personal access tokens, with the "
        "“File content” read scope. It is used for this import only and never stored: "
        "paste it again for the next import, and revoke it in Figma whenever you like.",
        # Never sent back to the browser, even when the form is shown again with an error.
        widget=forms.PasswordInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    scale = forms.TypedChoiceField(
        label="Render frames at",
        choices=FigmaImport.Scale.choices,
        coerce=int,
        initial=FigmaImport.Scale.TWO,
        widget=forms.RadioSelect,
    )

    def clean_link(self):
        try:
            return parse_link(self.cleaned_data["link"])
        except FigmaError as error:
            raise forms.ValidationError(error.message) from None

    def clean_token(self):
        token = self.cleaned_data["token"].strip()
        if any(character.isspace() or not character.isprintable() for character in token):
            raise forms.ValidationError(
                "A Figma token is one word of letters, digits and dashes. Copy it again."
            )
        return token
