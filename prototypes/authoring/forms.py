from django import forms

from prototypes.authoring.models import Hotspot, Prototype, Screen
from prototypes.forms import PlainLabels

# Rounding error allowed when a hotspot's edge is exactly on the image's edge.
EDGE_TOLERANCE = 1e-9


class PrototypeForm(PlainLabels, forms.ModelForm):
    class Meta:
        model = Prototype
        fields = ["name", "description", "kind", "device"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "kind": forms.RadioSelect,
            "device": forms.RadioSelect,
        }
        help_texts = {
            "kind": "Paper screens: photos or exports of sketches, linked by hotspots. "
            "Scripted flow: a conversation or wizard written as a script. "
            "Navigation tree: a site's labels only, for tree tests and card sorts.",
            "device": "The player shows screens at this device's shape.",
        }


class PrototypeEditForm(PlainLabels, forms.ModelForm):
    class Meta:
        model = Prototype
        fields = ["name", "description", "device"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3}), "device": forms.RadioSelect}


class ScreenNameForm(forms.ModelForm):
    class Meta:
        model = Screen
        fields = ["name"]


# What a hotspot left without a label is announced as, when it leads to no screen.
DEFAULT_LABELS = {Hotspot.Action.BACK: "Back", Hotspot.Action.END: "Finish"}


class PercentField(forms.FloatField):
    widget = forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"})

    def __init__(self, **kwargs):
        super().__init__(min_value=0, max_value=100, **kwargs)


class HotspotForm(PlainLabels, forms.ModelForm):
    """A hotspot with its rectangle in percent of the image (stored as fractions).

    `screens` are the screens of the hotspot's version, the only allowed targets; they are
    passed in so a page with many hotspot forms reads them once.
    """

    x = PercentField(label="Left (%)")
    y = PercentField(label="Top (%)")
    width = PercentField(label="Width (%)")
    height = PercentField(label="Height (%)")
    target = forms.TypedChoiceField(label="Target screen", required=False, coerce=int)

    class Meta:
        model = Hotspot
        fields = ["label", "action", "target", "x", "y", "width", "height"]
        labels = {"label": "Label (what a screen reader announces)"}

    def __init__(self, *args, screens, **kwargs):
        super().__init__(*args, **kwargs)
        # Left empty, the label is the target's name, or says what the hotspot does.
        self.fields["label"].required = False
        self.fields["label"].help_text = "Left empty: the target screen's name."
        self.screens = {screen.pk: screen for screen in screens}
        self.fields["target"].choices = [("", "—")] + [
            (screen.pk, screen.name) for screen in screens
        ]
        if self.instance.pk:
            for name in ("x", "y", "width", "height"):
                self.initial[name] = round(getattr(self.instance, name) * 100, 2)
            self.initial["target"] = self.instance.target_id

    @property
    def geometry_fields(self):
        return [self[name] for name in ("x", "y", "width", "height")]

    def clean_target(self):
        target = self.cleaned_data["target"]
        if target in (None, ""):
            return None
        if target not in self.screens:
            raise forms.ValidationError("Choose a screen of this prototype.")
        return self.screens[target]

    def clean(self):
        cleaned = super().clean()
        for name in ("x", "y", "width", "height"):
            if cleaned.get(name) is not None:
                cleaned[name] = cleaned[name] / 100
        if "width" in cleaned and cleaned["width"] <= 0:
            self.add_error("width", "The width must be more than 0.")
        if "height" in cleaned and cleaned["height"] <= 0:
            self.add_error("height", "The height must be more than 0.")
        if {"x", "width"} <= cleaned.keys() and cleaned["x"] + cleaned[
            "width"
        ] > 1 + EDGE_TOLERANCE:
            self.add_error("width", "The hotspot goes past the right edge of the image.")
        if {"y", "height"} <= cleaned.keys() and (
            cleaned["y"] + cleaned["height"] > 1 + EDGE_TOLERANCE
        ):
            self.add_error("height", "The hotspot goes past the bottom edge of the image.")
        action = cleaned.get("action")
        if action == Hotspot.Action.GO_TO and "target" in cleaned and cleaned["target"] is None:
            self.add_error("target", "Choose the screen this hotspot goes to.")
        elif action in (Hotspot.Action.BACK, Hotspot.Action.END):
            cleaned["target"] = None
        if not cleaned.get("label", "").strip():
            target = cleaned.get("target")
            cleaned["label"] = target.name if target else DEFAULT_LABELS.get(action, "")
        return cleaned


class ShareForm(PlainLabels, forms.Form):
    """Share some of a screen's hotspots on other screens of the draft."""

    name = forms.CharField(
        max_length=120, initial="Shared hotspots", label="Name of the shared set"
    )
    hotspots = forms.ModelMultipleChoiceField(
        queryset=Hotspot.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Hotspots to share",
        error_messages={"required": "Choose the hotspots to share."},
    )
    screens = forms.ModelMultipleChoiceField(
        queryset=Screen.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Also on these screens",
        error_messages={"required": "Choose the screens to place them on."},
    )

    def __init__(self, *args, screen, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hotspots"].queryset = screen.hotspots.filter(shared_set=None)
        self.fields["hotspots"].label_from_instance = lambda hotspot: hotspot.label
        self.fields["screens"].queryset = screen.version.screens.exclude(pk=screen.pk)
        self.fields["screens"].label_from_instance = lambda other: other.name


class PlaceForm(PlainLabels, forms.Form):
    """The screens a shared set is on; none removes it from every screen."""

    screens = forms.ModelMultipleChoiceField(
        queryset=Screen.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="On these screens",
    )

    def __init__(self, *args, shared_set, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["screens"].queryset = shared_set.version.screens.all()
        self.fields["screens"].label_from_instance = lambda other: other.name


class ImportForm(forms.Form):
    file = forms.FileField(
        label="ZIP file exported from Protoplatform",
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )
