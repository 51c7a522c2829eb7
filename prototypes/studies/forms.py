"""Forms of the designer side of studies.

Every rule a designer can break is checked here, with a message saying how to put it right.
Choices of screens, tasks and questions are limited to the study's own, so a forged id is
refused like any other invalid choice.
"""

from django import forms
from django.core import validators
from django.db import models
from django.utils.text import Truncator

from prototypes.authoring.models import PrototypeVersion, Screen
from prototypes.forms import PlainLabels
from prototypes.studies import kinds, services
from prototypes.studies.language import in_language
from prototypes.studies.models import Criterion, Problem, Question, Study, StudyConcept, Task

REASON_REQUIRED = "Participants have already started: say why you are making this change."
NONE = "(none)"


def short(text, length=60):
    return Truncator(text).chars(length)


def _choice_label(choices, value):
    for key, label in choices:
        if isinstance(label, (list, tuple)):
            found = _choice_label(label, value)
            if found is not None:
                return found
        elif str(key) == str(value):
            return str(label)
    return None


def display_value(field, value):
    """A field's value as the designer would recognise it, for the audit trail."""
    if value in (None, "", [], ()):
        return NONE
    if isinstance(field, forms.ModelChoiceField):
        names = {obj.pk: str(obj) for obj in field.queryset}
        values = value if isinstance(field, forms.ModelMultipleChoiceField) else [value]
        return ", ".join(
            str(v) if isinstance(v, models.Model) else names.get(v, str(v)) for v in values
        )
    if isinstance(field, forms.BooleanField):
        return "yes" if value else "no"
    if isinstance(field, forms.ChoiceField):
        return _choice_label(field.choices, value) or str(value)
    if isinstance(value, float):
        return f"{value:g}"
    return f"“{short(str(value), 80)}”"


class RevisionReasonMixin(PlainLabels):
    """For forms that change what is locked once participants have started.

    When the study is locked the form gains a required "reason" field, and `change_lines()`
    says what changed for the study's audit trail.
    """

    summary_skips = ()

    def add_reason_field(self, study, required=True):
        self.fields["reason"] = forms.CharField(
            label="Why this change?",
            widget=forms.Textarea(attrs={"rows": 2}),
            max_length=2000,
            required=required,
            error_messages={"required": REASON_REQUIRED},
            help_text=(
                f"Participants have already started. Saving makes revision "
                f"{study.revision + 1} of the study; results show which revision each "
                "participant saw."
            ),
        )

    def change_lines(self):
        """ "Label: old → new" for each changed field."""
        lines = []
        for name in self.changed_data:
            if name == "reason" or name.startswith(self.summary_skips):
                continue
            field = self.fields[name]
            old = display_value(field, self[name].initial)
            new = display_value(field, self.cleaned_data.get(name))
            lines.append(f"{field.label}: {old} → {new}")
        return lines


class ProblemForm(PlainLabels, forms.ModelForm):
    class Meta:
        model = Problem
        fields = ["title", "who", "what", "evidence"]
        widgets = {
            "who": forms.Textarea(attrs={"rows": 2}),
            "what": forms.Textarea(attrs={"rows": 3}),
            "evidence": forms.Textarea(attrs={"rows": 5}),
        }
        help_texts = {
            "title": "In the customer's words, e.g. “Customers can't find out where their "
            "order is”.",
            "who": "Which customers, in which situation.",
            "what": "What goes wrong for them, and what it costs them.",
            "evidence": "Quotes, support tickets, numbers: why you believe the problem is real.",
        }


class StudyForm(RevisionReasonMixin, forms.ModelForm):
    # Changing these after participants started changes what the verdict means.
    LOCKED_FIELDS = ("prototype_version", "hypothesis", "confidence")
    CONFIDENCE_CHOICES = [
        (0.8, "80%"),
        (0.9, "90% (recommended for early concepts)"),
        (0.95, "95%"),
    ]

    problem = forms.ModelChoiceField(
        queryset=Problem.objects.none(),
        required=False,
        empty_label="A new problem (describe it below)",
        label="Customer problem",
        help_text="The problem this concept is meant to solve.",
    )
    new_problem_title = forms.CharField(max_length=200, required=False, label="Problem title")
    new_problem_who = forms.CharField(
        required=False, label="Who has the friction", widget=forms.Textarea(attrs={"rows": 2})
    )
    new_problem_what = forms.CharField(
        required=False, label="What the friction is", widget=forms.Textarea(attrs={"rows": 2})
    )
    new_problem_evidence = forms.CharField(
        required=False,
        label="Evidence",
        help_text="Quotes, support tickets, numbers.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confidence = forms.TypedChoiceField(
        choices=CONFIDENCE_CHOICES,
        coerce=float,
        initial=0.9,
        label="Confidence level",
        help_text="How sure the verdict must be. Higher needs more participants.",
    )
    redirect_url = forms.URLField(
        required=False,
        assume_scheme="https",
        label="Redirect URL",
        help_text="For external panels: where participants go when they finish.",
    )
    target_participants = forms.IntegerField(
        min_value=1,
        max_value=1000,
        initial=20,
        label="Target number of participants",
        help_text="Five find most usability problems; 20 or more give useful intervals.",
    )

    class Meta:
        model = Study
        fields = [
            "title",
            "problem",
            "hypothesis",
            "prototype_version",
            "consent_text",
            "target_participants",
            "language",
            "confidence",
            "show_hotspots_after_misclick",
            "think_aloud",
            "completion_code",
            "redirect_url",
        ]
        widgets = {
            "hypothesis": forms.Textarea(attrs={"rows": 3}),
            "consent_text": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {
            "prototype_version": "Prototype version",
            "language": "Participants' language",
            "show_hotspots_after_misclick": "Show the clickable areas after a misclick",
        }
        help_texts = {
            "hypothesis": "What you expect to happen if the concept solves the problem, e.g. "
            "“Most customers find their delivery date in under a minute.”",
            "prototype_version": "Only published versions: participants all see the same "
            "frozen screens.",
            "consent_text": "Participants agree to this before they start. The pre-filled text "
            "follows the participants' language.",
            "completion_code": "For external panels: shown to participants when they finish.",
            "think_aloud": "Their voice is recorded during the tasks. The consent page says "
            "what is recorded, that only your workspace hears it and how long it is kept.",
        }

    def __init__(self, *args, workspace, locked=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.workspace = workspace
        self.locked = locked
        self.fields["problem"].queryset = Problem.objects.filter(workspace=workspace)
        versions = self.fields["prototype_version"]
        versions.queryset = (
            PrototypeVersion.objects.filter(prototype__workspace=workspace, number__gt=0)
            .select_related("prototype")
            .order_by("prototype__name", "-number")
        )
        versions.label_from_instance = lambda version: (
            f"{version.prototype.name} — {version.label}"
            + (f" ({version.note})" if version.note else "")
        )
        versions.empty_label = "Choose a published version"
        versions.error_messages["invalid_choice"] = (
            "Choose a published version of one of this workspace's prototypes."
        )
        if locked:
            self.add_reason_field(self.instance, required=False)

    @property
    def planning_warnings(self):
        """Criteria the target number of participants is unlikely to settle (never blocks)."""
        if not self.instance.pk:
            return []
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        target = data.get("target_participants") or self.instance.target_participants
        confidence = data.get("confidence") or self.instance.confidence
        return services.planning_warnings(self.instance, target, confidence)

    def clean_prototype_version(self):
        version = self.cleaned_data["prototype_version"]
        if self.instance.pk and version.pk != self.instance.prototype_version_id:
            missing = services.screens_missing_from(self.instance, version)
            if missing:
                names = ", ".join(f"“{name}”" for name in missing)
                raise forms.ValidationError(
                    f"{version.label} has no screen {names}, which your tasks use. Choose a "
                    "version that has them, or change the tasks first."
                )
        return version

    def clean(self):
        cleaned = super().clean()
        new_problem = [
            cleaned.get(name, "").strip()
            for name in ("new_problem_title", "new_problem_who", "new_problem_what")
        ]
        if cleaned.get("problem"):
            if any(new_problem) or cleaned.get("new_problem_evidence", "").strip():
                self.add_error(
                    "problem",
                    "Choose an existing problem or describe a new one, not both.",
                )
        elif "problem" not in self.errors:
            for name, value in zip(
                ("new_problem_title", "new_problem_who", "new_problem_what"),
                new_problem,
                strict=True,
            ):
                if not value:
                    self.add_error(
                        name,
                        "Choose an existing problem above, or describe the new one: "
                        "this is needed.",
                    )
        if self.locked and self.locked_changes() and not cleaned.get("reason", "").strip():
            self.add_error(
                "reason",
                "Participants have already started: say why you are changing the "
                + ", ".join(str(self.fields[name].label).lower() for name in self.locked_changes())
                + ".",
            )
        return cleaned

    def locked_changes(self):
        return [name for name in self.LOCKED_FIELDS if name in self.changed_data]

    def save(self, commit=True):
        study = super().save(commit=False)
        if not self.cleaned_data.get("problem"):
            study.problem = Problem.objects.create(
                workspace=self.workspace,
                title=self.cleaned_data["new_problem_title"].strip(),
                who=self.cleaned_data["new_problem_who"].strip(),
                what=self.cleaned_data["new_problem_what"].strip(),
                evidence=self.cleaned_data["new_problem_evidence"].strip(),
            )
        study.consent_text = in_language(study.consent_text, Study.DEFAULT_CONSENT, study.language)
        if self.locked and study.consent_text != self.initial.get("consent_text"):
            # Participants consented to the previous text; results keep which one each saw.
            study.consent_version += 1
        if commit:
            study.save()
            if "prototype_version" in self.changed_data and study.tasks.exists():
                services.move_tasks_to_version(study, study.prototype_version)
        return study


SCREEN_KINDS = ("", *Task.Kind.values[:4])


class TaskForm(RevisionReasonMixin, forms.ModelForm):
    MIN_PATH_STEPS = 8
    summary_skips = ("path_",)
    Kind = Task.Kind
    TARGET_FIELDS = ("target_left", "target_top", "target_width", "target_height")
    EXPOSURE_RANGE = (1, 60)

    target_left = forms.FloatField(label="Left (%)", required=False, min_value=0, max_value=100)
    target_top = forms.FloatField(label="Top (%)", required=False, min_value=0, max_value=100)
    target_width = forms.FloatField(label="Width (%)", required=False, min_value=0, max_value=100)
    target_height = forms.FloatField(label="Height (%)", required=False, min_value=0, max_value=100)

    class Meta:
        model = Task
        fields = [
            "kind",
            "instruction",
            "start_screen",
            "goal_screens",
            "options",
            "exposure_seconds",
            "time_limit_seconds",
            "ask_seq",
        ]
        widgets = {
            "instruction": forms.Textarea(attrs={"rows": 3}),
            "goal_screens": forms.CheckboxSelectMultiple,
            "options": forms.CheckboxSelectMultiple,
        }
        labels = {
            "kind": "Kind of test",
            "instruction": "Instruction",
            "start_screen": "Start screen",
            "goal_screens": "Goal screens",
            "options": "Options shown side by side",
            "exposure_seconds": "Seconds the screen is shown",
            "time_limit_seconds": "Time limit (seconds)",
        }
        help_texts = {
            "kind": "Click-through: participants try to reach a goal. First click: they click "
            "once where they would start. Five-second test: they see a screen briefly, then "
            "answer recall questions. Preference test: they choose between options and say why.",
            "instruction": "What participants are asked to do, as a scenario, without naming "
            "the buttons, e.g. “You ordered running shoes last week. Find out when they will "
            "arrive.” For a first-click test, ask “Where would you click to …?”; for a "
            "preference test, “Which would you rather use, and why?”",
            "goal_screens": "Reaching any of these completes the task.",
            "options": "Two to six screens, from this version or another concept's.",
            "exposure_seconds": "Five is the classic length; then the screen is hidden and "
            "the recall questions you attach to this task are asked.",
            "time_limit_seconds": "Optional. Participants who take longer time out.",
        }
        error_messages = {
            "goal_screens": {"required": "Choose at least one goal screen."},
        }

    def __init__(self, *args, study, locked=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.study = study
        version = study.prototype_version
        screens = Screen.objects.filter(version=version).order_by("position", "id")
        wrong_screen = f"Choose one of the screens of {version}."
        for name in ("start_screen", "goal_screens"):
            self.fields[name].queryset = screens
            self.fields[name].error_messages["invalid_choice"] = wrong_screen
            self.fields[name].error_messages["invalid_pk_value"] = wrong_screen
        # A form without the kind (an older page, an API client) describes a click-through.
        self.fields["kind"].required = False
        # Tree tests and card sorts run on a navigation tree (prototypes.treetests.forms).
        self.fields["kind"].choices = [
            choice for choice in self.fields["kind"].choices if choice[0] in SCREEN_KINDS
        ]
        # Goals and the start screen are required of click-through tasks only.
        self.fields["goal_screens"].required = False
        self.fields["start_screen"].required = False
        options = self.fields["options"]
        options.queryset = (
            Screen.objects.filter(
                models.Q(version=version) | models.Q(version__in=concept_versions(study)),
                status=Screen.Status.READY,
            )
            .select_related("version__prototype")
            .order_by("version__prototype__name", "version__number", "position", "id")
        )
        options.label_from_instance = lambda screen: (
            screen.name
            if screen.version_id == version.pk
            else f"{screen.name} ({screen.version.prototype.name} {screen.version.label})"
        )
        options.error_messages["invalid_choice"] = (
            "Choose screens of this study's version or of its concepts."
        )
        exposure = self.fields["exposure_seconds"]
        exposure.required = False
        exposure.widget.attrs.update(min=self.EXPOSURE_RANGE[0], max=self.EXPOSURE_RANGE[1])
        for name in self.TARGET_FIELDS:
            self.fields[name].widget.attrs.update(step="any")
        if self.instance.pk and self.instance.has_target:
            task = self.instance
            for name, value in zip(
                self.TARGET_FIELDS,
                (task.target_x, task.target_y, task.target_width, task.target_height),
                strict=True,
            ):
                self.initial[name] = round(value * 100, 4)
        self.fields["time_limit_seconds"].widget.attrs.update(min=10, max=3600)
        self.fields["time_limit_seconds"].validators += [
            validators.MinValueValidator(10, "Allow at least 10 seconds."),
            validators.MaxValueValidator(3600, "Allow at most an hour (3600 seconds)."),
        ]
        self.screen_names = dict(screens.values_list("pk", "name"))
        self.screen_images = {
            screen.pk: screen.image.url for screen in screens if screen.image and screen.is_ready
        }
        path = list(self.instance.expected_path) if self.instance.pk else []
        self.path_field_names = []
        choices = [("", "—")] + list(self.screen_names.items())
        for index in range(max(self.MIN_PATH_STEPS, len(path) + 2)):
            name = f"path_{index}"
            self.fields[name] = forms.TypedChoiceField(
                choices=choices,
                coerce=int,
                required=False,
                empty_value=None,
                label=f"Step {index + 1}",
                initial=path[index] if index < len(path) else None,
                error_messages={"invalid_choice": wrong_screen},
            )
            self.path_field_names.append(name)
        if locked:
            self.add_reason_field(study)

    def path_fields(self):
        return [self[name] for name in self.path_field_names]

    def target_fields(self):
        return [self[name] for name in self.TARGET_FIELDS]

    def clean(self):
        cleaned = super().clean()
        kind = cleaned["kind"] = cleaned.get("kind") or self.Kind.CLICKTHROUGH
        if kind == self.Kind.CLICKTHROUGH:
            self._clean_clickthrough(cleaned)
        else:
            # These kinds end once the participant has answered: their goal is where they start.
            cleaned["expected_path"] = []
            cleaned["time_limit_seconds"] = None
            cleaned["ask_seq"] = False
            if kind == self.Kind.PREFERENCE:
                self._clean_options(cleaned)
            elif not cleaned.get("start_screen") and "start_screen" not in self.errors:
                self.add_error("start_screen", "Choose the screen participants see.")
            if kind == self.Kind.FIRST_CLICK:
                self._clean_target(cleaned)
            if kind == self.Kind.FIVE_SECOND:
                self._clean_exposure(cleaned.get("exposure_seconds"))
            start = cleaned.get("start_screen")
            cleaned["goal_screens"] = [start] if start else []
        if kind != self.Kind.PREFERENCE:
            cleaned["options"] = []
        if kind != self.Kind.FIRST_CLICK:
            for name in self.TARGET_FIELDS:
                cleaned[name] = None
        if kind != self.Kind.FIVE_SECOND or cleaned.get("exposure_seconds") is None:
            cleaned["exposure_seconds"] = Task.DEFAULT_EXPOSURE_SECONDS
        return cleaned

    def _clean_clickthrough(self, cleaned):
        start = cleaned.get("start_screen")
        goals = cleaned.get("goal_screens")
        path = [cleaned[name] for name in self.path_field_names if cleaned.get(name)]
        cleaned["expected_path"] = path
        if not start and "start_screen" not in self.errors:
            self.add_error("start_screen", "Choose the screen the task starts on.")
        if not goals and "goal_screens" not in self.errors:
            self.add_error("goal_screens", "Choose at least one goal screen.")
        if start and goals and start in goals:
            self.add_error(
                "goal_screens",
                f"“{start.name}” is the start screen: as a goal, the task would be over "
                "before it began.",
            )
        elif start and goals and path:
            problem = self._path_problem(start, goals, path)
            if problem:
                self.add_error(None, f"Expected path: {problem}")

    def _clean_options(self, cleaned):
        options = list(cleaned.get("options") or [])
        if "options" in self.errors:
            return
        if not kinds.MIN_OPTIONS <= len(options) <= kinds.MAX_OPTIONS:
            self.add_error(
                "options",
                f"Choose {kinds.MIN_OPTIONS} to {kinds.MAX_OPTIONS} screens to compare "
                f"(you chose {len(options)}).",
            )
            return
        clashes = kinds.duplicate_labels(options)
        if clashes:
            names = ", ".join(f"“{name}”" for name in clashes)
            self.add_error(
                "options",
                f"Two options are called {names}: participants could not tell them apart. "
                "Rename a screen or choose another.",
            )
            return
        # An option of the study's own version stands for the task where a screen is needed
        # (the task's start, heatmaps, replay): events can only name the version's screens.
        own = [
            screen
            for screen, _ in kinds.option_labels(options)
            if screen.version_id == (self.study.prototype_version_id)
        ]
        if not own:
            self.add_error(
                "options",
                f"Include at least one screen of {self.study.prototype_version}, the version "
                "this study tests.",
            )
            return
        cleaned["start_screen"] = own[0]

    def _clean_target(self, cleaned):
        values = [cleaned.get(name) for name in self.TARGET_FIELDS]
        if any(name in self.errors for name in self.TARGET_FIELDS):
            return
        if None in values:
            self.add_error(
                "target_left",
                "Mark the target area: where a first click counts as right, in percent of the "
                "screen (drag on the picture, or type left, top, width and height).",
            )
            return
        left, top, width, height = values
        if width <= 0 or height <= 0:
            self.add_error("target_width", "The target area needs a width and a height.")
        elif left + width > 100 or top + height > 100:
            self.add_error("target_width", "The target area must fit on the screen (at most 100%).")

    def _clean_exposure(self, seconds):
        lowest, highest = self.EXPOSURE_RANGE
        if seconds is not None and not lowest <= seconds <= highest:
            self.add_error(
                "exposure_seconds", f"Show the screen for {lowest} to {highest} seconds."
            )

    def _path_problem(self, start, goals, path):
        names = self.screen_names
        goal_ids = {goal.pk for goal in goals}
        if len(path) < 2:
            return "give at least the start screen and a goal screen, in order."
        if path[0] != start.pk:
            return f"it begins where the task starts, on “{start.name}”."
        if path[-1] not in goal_ids:
            return "it ends on one of the goal screens."
        early_goal = next((pk for pk in path[:-1] if pk in goal_ids), None)
        if early_goal:
            return (
                f"the task ends on reaching “{names[early_goal]}”, a goal screen: "
                "remove the steps after it."
            )
        gaps = services.missing_links(self.study.prototype_version, path)
        if gaps:
            return " ".join(f"no hotspot on “{names[a]}” leads to “{names[b]}”." for a, b in gaps)
        return None

    @property
    def changed_data(self):
        # A blank kind or exposure stands for the default: submitting it is no change.
        return [
            name
            for name in super().changed_data
            if not (
                name in ("kind", "exposure_seconds")
                and hasattr(self, "cleaned_data")
                and self.cleaned_data.get(name) == self[name].initial
            )
        ]

    def change_lines(self):
        lines = super().change_lines()
        old = list(self.instance.expected_path) if self.instance.pk else []
        new = self.cleaned_data["expected_path"]
        if old != new:
            lines.append(f"Expected path: {self._path_text(old)} → {self._path_text(new)}")
        return lines

    def _path_text(self, path):
        return " → ".join(self.screen_names.get(pk, "?") for pk in path) or NONE

    def _post_clean(self):
        cleaned = self.cleaned_data
        task = self.instance
        if cleaned.get("start_screen") is not None:
            # Set before the model is validated: a preference test's start screen is derived.
            task.start_screen = cleaned["start_screen"]
        targets = [cleaned.get(name) for name in self.TARGET_FIELDS]
        if None in targets:
            task.target_x = task.target_y = task.target_width = task.target_height = None
        else:
            task.target_x, task.target_y, task.target_width, task.target_height = (
                value / 100 for value in targets
            )
        super()._post_clean()

    def save(self, commit=True):
        self.instance.expected_path = self.cleaned_data["expected_path"]
        task = super().save(commit)
        if commit:
            kinds.sync_task_questions(task)
        return task


def concept_versions(study):
    """The other prototype versions a concept A/B study compares (none for most studies)."""
    return PrototypeVersion.objects.filter(
        pk__in=StudyConcept.objects.filter(study=study).values("version")
    ).exclude(pk=study.prototype_version_id)


class QuestionForm(RevisionReasonMixin, forms.ModelForm):
    MAX_CHOICES = 20
    RATING_LOWEST, RATING_HIGHEST = 0, 10

    choices_text = forms.CharField(
        label="Choices",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One per line.",
    )

    class Meta:
        model = Question
        fields = ["kind", "task", "text", "choices_text", "scale_min", "scale_max", "required"]
        widgets = {"text": forms.Textarea(attrs={"rows": 2})}
        labels = {
            "kind": "Kind of question",
            "task": "Ask after",
            "text": "Question",
            "scale_min": "Lowest rating",
            "scale_max": "Highest rating",
            "required": "Participants must answer",
        }
        help_texts = {
            "kind": "The System Usability Scale asks its ten standard statements; you do not "
            "write them.",
        }

    def __init__(self, *args, study, locked=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.study = study
        task_field = self.fields["task"]
        task_field.queryset = study.tasks.filter(kind=Task.Kind.FIVE_SECOND).order_by(
            "position", "id"
        )
        task_field.label_from_instance = lambda task: (
            f"Task {task.number} (five-second test): {short(task.instruction)}"
        )
        task_field.empty_label = "All the tasks, at the end of the study"
        task_field.help_text = "Recall questions of a five-second test are asked right after it."
        task_field.error_messages["invalid_choice"] = (
            "Choose one of this study's five-second tests, or the end of the study."
        )
        if self.instance.pk:
            self.initial["choices_text"] = "\n".join(self.instance.choices)
        for name in ("scale_min", "scale_max"):
            self.fields[name].widget.attrs.update(min=self.RATING_LOWEST, max=self.RATING_HIGHEST)
        if locked:
            self.add_reason_field(study)

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        Kind = Question.Kind
        choices = []
        if self.instance.role != Question.Role.ASKED:
            self.add_error(
                None,
                f"Task {self.instance.task.number}, a preference test, asks this question "
                "itself: change the task instead.",
            )
        if kind == Kind.SUS and cleaned.get("task"):
            self.add_error("task", "The System Usability Scale is asked at the end of the study.")
        if kind == Kind.SUS:
            others = self.study.questions.filter(kind=Kind.SUS).exclude(pk=self.instance.pk)
            if others.exists():
                self.add_error("kind", "This study already asks the System Usability Scale.")
            cleaned["text"] = ""
        elif kind and not cleaned.get("text", "").strip():
            self.add_error("text", "Write the question participants will answer.")
        if kind in (Kind.SINGLE, Kind.MULTIPLE):
            choices = self._clean_choices(cleaned.get("choices_text", ""))
        if kind == Kind.RATING:
            self._check_scale(cleaned.get("scale_min"), cleaned.get("scale_max"))
        else:
            cleaned["scale_min"], cleaned["scale_max"] = 1, 5
        cleaned["choices"] = choices
        if self.instance.pk and kind:
            self._check_criteria_kept(kind, choices)
        return cleaned

    def _clean_choices(self, text):
        choices = [line.strip() for line in text.splitlines() if line.strip()]
        seen = set()
        for choice in choices:
            if choice.casefold() in seen:
                self.add_error("choices_text", f"“{choice}” is listed twice.")
            seen.add(choice.casefold())
            if len(choice) > 200:
                self.add_error("choices_text", "Keep each choice under 200 characters.")
        if len(choices) < 2:
            self.add_error("choices_text", "Give at least two choices, one per line.")
        if len(choices) > self.MAX_CHOICES:
            self.add_error("choices_text", f"Give at most {self.MAX_CHOICES} choices.")
        return choices

    def _check_scale(self, lowest, highest):
        if lowest is None or highest is None:
            return
        if not (self.RATING_LOWEST <= lowest <= self.RATING_HIGHEST) or not (
            self.RATING_LOWEST <= highest <= self.RATING_HIGHEST
        ):
            self.add_error(
                "scale_max",
                f"Ratings run from {self.RATING_LOWEST} to {self.RATING_HIGHEST} at most.",
            )
        elif highest <= lowest:
            self.add_error("scale_max", "The highest rating must be above the lowest.")

    def _check_criteria_kept(self, kind, choices):
        Kind = Question.Kind
        for criterion in self.instance.criterion_set.all():
            if criterion.metric == Criterion.Metric.SUS and kind != Kind.SUS:
                self.add_error(
                    "kind",
                    f"The criterion “{criterion.describe()}” uses this question: delete that "
                    "criterion first.",
                )
            elif criterion.metric == Criterion.Metric.ANSWER_SHARE and (
                kind not in (Kind.SINGLE, Kind.MULTIPLE) or criterion.choice not in choices
            ):
                self.add_error(
                    "choices_text" if kind in (Kind.SINGLE, Kind.MULTIPLE) else "kind",
                    f"The criterion “{criterion.describe()}” counts the answer "
                    f"“{criterion.choice}”: keep that choice, or change the criterion first.",
                )

    def save(self, commit=True):
        self.instance.choices = self.cleaned_data["choices"]
        return super().save(commit)


class CriterionForm(RevisionReasonMixin, forms.ModelForm):
    Metric = Criterion.Metric
    # (lowest, highest, message) of the threshold as the designer enters it.
    RANGES = {
        **dict.fromkeys(
            Criterion.RATE_METRICS, (0, 100, "Enter a percentage from 0 to 100 (70 means 70%).")
        ),
        Metric.TIME_ON_TASK: (1, 3600, "Enter a time from 1 to 3600 seconds."),
        Metric.SEQ: (1, 7, "The Single Ease Question is answered from 1 to 7: enter 1 to 7."),
        Metric.SUS: (0, 100, "SUS scores run from 0 to 100: enter 0 to 100."),
    }

    answer = forms.ChoiceField(
        required=False,
        label="Answer",
        help_text="The question and the choice whose share is counted.",
    )
    threshold = forms.FloatField(
        label="Threshold",
        help_text="Percent for rates (70 means 70%), seconds for time on task (judged on the "
        "median time of successful attempts), 1–7 for the Single Ease Question, 0–100 for the "
        "SUS.",
    )

    class Meta:
        model = Criterion
        fields = ["metric", "task", "answer", "comparison", "threshold", "must_have"]
        labels = {"must_have": "Must-have (if it fails, the verdict is no-go)"}

    def __init__(self, *args, study, locked=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.study = study
        task_field = self.fields["task"]
        task_field.queryset = study.tasks.order_by("position", "id")
        task_field.label_from_instance = lambda task: (
            f"Task {task.number}: {short(task.instruction)}"
        )
        task_field.error_messages["invalid_choice"] = "Choose one of this study's tasks."
        task_field.help_text = "For task metrics."
        questions = list(
            study.questions.filter(kind__in=[Question.Kind.SINGLE, Question.Kind.MULTIPLE])
        )
        self.fields["answer"].choices = [("", "—")] + [
            (
                f"Question {question.position + 1}: {short(question.text)}",
                [
                    (f"{question.pk}:{index}", choice)
                    for index, choice in enumerate(question.choices)
                ],
            )
            for question in questions
        ]
        self.answer_questions = {question.pk: question for question in questions}
        instance = self.instance
        self.original_description = instance.describe() if instance.pk else ""
        if not instance.pk:
            self.initial["metric"] = self.initial.get("metric") or self.Metric.COMPLETION_RATE
            self.initial["comparison"] = (
                self.initial.get("comparison") or Criterion.Comparison.AT_LEAST
            )
            # With a single task there is nothing to choose.
            tasks = list(task_field.queryset.values_list("pk", flat=True)[:2])
            if len(tasks) == 1 and not self.initial.get("task"):
                self.initial["task"] = tasks[0]
        else:
            if instance.is_rate:
                self.initial["threshold"] = round(instance.threshold * 100, 6)
            question = self.answer_questions.get(instance.question_id)
            if question and instance.choice in question.choices:
                self.initial["answer"] = f"{question.pk}:{question.choices.index(instance.choice)}"
        if locked:
            self.add_reason_field(study)

    def clean(self):
        cleaned = super().clean()
        metric = cleaned.get("metric")
        if not metric:
            return cleaned
        self.question, self.choice = None, ""
        if metric in Criterion.TASK_METRICS:
            self._check_task(metric, cleaned.get("task"))
        else:
            cleaned["task"] = None
        if metric == self.Metric.ANSWER_SHARE:
            self._clean_answer(cleaned.get("answer"))
        elif metric == self.Metric.SUS:
            self.question = self.study.questions.filter(kind=Question.Kind.SUS).first()
            if self.question is None:
                self.add_error(
                    "metric", "Add the System Usability Scale question to the study first."
                )
        threshold = cleaned.get("threshold")
        if threshold is not None:
            self._check_threshold(metric, cleaned.get("comparison"), threshold)
        try:
            services.check_must_have_kept(self.instance, cleaned.get("must_have"))
        except services.StudyRuleError as error:
            self.add_error("must_have", str(error))
        return cleaned

    def _check_task(self, metric, task):
        if task is None:
            if "task" not in self.errors:
                self.add_error("task", "Choose the task this criterion measures.")
        elif metric == self.Metric.SEQ and not task.ask_seq:
            self.add_error(
                "task",
                f"Task {task.number} does not ask the Single Ease Question, so there would be "
                "nothing to measure. Turn the question on in the task first.",
            )
        elif metric == self.Metric.DIRECT_SUCCESS_RATE and not task.expected_path:
            self.add_error(
                "task",
                f"Task {task.number} has no expected path, so no attempt can count as direct. "
                "Give the task an expected path first.",
            )

    def _clean_answer(self, answer):
        question_pk, _, index = (answer or "").partition(":")
        question = self.answer_questions.get(int(question_pk)) if question_pk.isdigit() else None
        if question is None or not index.isdigit() or int(index) >= len(question.choices):
            self.add_error("answer", "Choose the answer whose share this criterion measures.")
            return
        self.question, self.choice = question, question.choices[int(index)]

    def _check_threshold(self, metric, comparison, threshold):
        lowest, highest, message = self.RANGES[metric]
        if not lowest <= threshold <= highest:
            self.add_error("threshold", message)
        elif metric != self.Metric.TIME_ON_TASK and (
            (comparison == Criterion.Comparison.AT_LEAST and threshold <= lowest)
            or (comparison == Criterion.Comparison.AT_MOST and threshold >= highest)
        ):
            self.add_error(
                "threshold", "This criterion would always be met: choose a stricter threshold."
            )

    def _post_clean(self):
        super()._post_clean()
        # The instance holds what will be stored, so it can describe itself before saving.
        criterion = self.instance
        if not self.errors:
            criterion.question = self.question
            criterion.choice = self.choice
            if criterion.is_rate:
                criterion.threshold = self.cleaned_data["threshold"] / 100


class ConfirmForm(RevisionReasonMixin, forms.Form):
    """Confirms a delete or a move; asks for the reason once the study is locked."""

    def __init__(self, *args, study, locked=False, **kwargs):
        super().__init__(*args, **kwargs)
        if locked:
            self.add_reason_field(study)


class MoveForm(ConfirmForm):
    direction = forms.ChoiceField(
        choices=[("up", "Up (earlier)"), ("down", "Down (later)")],
        widget=forms.RadioSelect,
        label="Move",
    )


class ConceptForm(PlainLabels, forms.Form):
    version = forms.ModelChoiceField(
        queryset=PrototypeVersion.objects.none(),
        label="Prototype version",
        empty_label="Choose a published version",
        help_text="Each participant sees one concept, chosen at random and balanced.",
        error_messages={"invalid_choice": "Choose a published version of this workspace."},
    )
    label = forms.CharField(
        max_length=40,
        required=False,
        label="Name",
        help_text="Optional: the next letter (B, C, …) if left blank.",
    )

    def __init__(self, *args, study, **kwargs):
        super().__init__(*args, **kwargs)
        versions = self.fields["version"]
        versions.queryset = (
            PrototypeVersion.objects.filter(prototype__workspace=study.workspace, number__gt=0)
            .exclude(pk__in=StudyConcept.objects.filter(study=study).values("version"))
            .exclude(pk=study.prototype_version_id)
            .select_related("prototype")
            .order_by("prototype__name", "-number")
        )
        versions.label_from_instance = lambda version: f"{version.prototype.name} — {version.label}"
