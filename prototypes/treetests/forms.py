from django import forms

from prototypes.cardsorts.models import Card, Category
from prototypes.forms import PlainLabels
from prototypes.studies.forms import RevisionReasonMixin
from prototypes.studies.models import Task
from prototypes.treetests import services, tree
from prototypes.treetests.models import TreeNode

MAX_UPLOAD_BYTES = tree.MAX_BYTES


class TreeForm(PlainLabels, forms.Form):
    """The draft's tree as indented text, or a CSV file of paths replacing it."""

    outline = forms.CharField(
        label="Tree",
        required=False,
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false", "class": "tree-outline"}),
        help_text="One label a line; indent a label one tab (or two spaces) under its parent. "
        f"Up to {tree.MAX_NODES:,} labels and {tree.MAX_DEPTH} levels.",
    )
    paths = forms.FileField(
        label="…or import a CSV file of paths",
        required=False,
        help_text="One row per label, its path from the top level in the columns: "
        "“Shop, Women, Shoes”. The file replaces the tree above.",
    )

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("paths")
        try:
            if upload:
                if upload.size > MAX_UPLOAD_BYTES:
                    raise tree.TreeRefused(
                        f"This file is larger than {MAX_UPLOAD_BYTES // 1024} KB."
                    )
                cleaned["labels"] = tree.parse_csv(upload.read())
            else:
                cleaned["labels"] = tree.parse_indented(cleaned.get("outline") or "")
        except tree.TreeRefused as refused:
            self.add_error("paths" if upload else "outline", refused.message)
        return cleaned


MAX_CARDS = 100
MAX_CATEGORIES = 30
NAVIGATION_KINDS = (Task.Kind.TREE_TEST, Task.Kind.CARD_SORT)


class NavigationTaskForm(RevisionReasonMixin, forms.ModelForm):
    """A task of a study on a navigation tree: a tree test or a card sort.

    A tree test's correct labels are nodes of the study's (frozen) tree version. A card
    sort's cards and categories are written one a line and replace the old ones on save.
    """

    Kind = Task.Kind
    cards_text = forms.CharField(
        label="Cards",
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=f"One card a line, up to {MAX_CARDS}.",
    )
    categories_text = forms.CharField(
        label="Categories",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Closed and hybrid sorts: one category a line.",
    )

    class Meta:
        model = Task
        fields = [
            "kind",
            "instruction",
            "correct_nodes",
            "sort_mode",
            "allow_unsorted",
            "time_limit_seconds",
            "ask_seq",
        ]
        widgets = {
            "instruction": forms.Textarea(attrs={"rows": 3}),
            "correct_nodes": forms.CheckboxSelectMultiple,
            "sort_mode": forms.RadioSelect,
        }
        labels = {
            "kind": "Kind of test",
            "correct_nodes": "Correct answers",
            "sort_mode": "Kind of sort",
            "time_limit_seconds": "Time limit (seconds)",
        }
        help_texts = {
            "instruction": "Tree test: a scenario, without the labels' words, e.g. “You want "
            "to send back shoes that do not fit. Where would you go?”. Card sort: what to do, "
            "e.g. “Group these as you would expect to find them on the shop's site.”",
            "correct_nodes": "Tree test: every label where participants would find it.",
        }

    def __init__(self, *args, study, locked=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.study = study
        kind = self.fields["kind"]
        kind.choices = [
            (value, label) for value, label in kind.choices if value in NAVIGATION_KINDS
        ]
        if not self.instance.pk:
            self.initial.setdefault("kind", Task.Kind.TREE_TEST)
        nodes = services.tree_nodes(study.prototype_version)
        paths = services.path_labels(nodes)
        correct = self.fields["correct_nodes"]
        correct.queryset = TreeNode.objects.filter(version=study.prototype_version).order_by(
            "position", "id"
        )
        correct.label_from_instance = lambda node: paths[node.pk]
        correct.error_messages["invalid_choice"] = "Choose labels of this study's tree."
        correct.required = False
        self.fields["sort_mode"].required = False
        self.fields["sort_mode"].choices = Task.SortMode.choices
        if self.instance.pk:
            self.initial["cards_text"] = "\n".join(
                self.instance.cards.values_list("text", flat=True)
            )
            self.initial["categories_text"] = "\n".join(
                self.instance.categories.values_list("label", flat=True)
            )
        if locked:
            self.add_reason_field(study)

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind == Task.Kind.TREE_TEST:
            if not cleaned.get("correct_nodes") and "correct_nodes" not in self.errors:
                self.add_error("correct_nodes", "Choose at least one correct label.")
            cleaned["sort_mode"] = ""
            cleaned["cards"], cleaned["categories"] = [], []
        elif kind == Task.Kind.CARD_SORT:
            mode = cleaned["sort_mode"] = cleaned.get("sort_mode") or Task.SortMode.OPEN
            cleaned["correct_nodes"] = []
            cleaned["cards"] = self._lines("cards_text", "card", 1, MAX_CARDS)
            if mode == Task.SortMode.OPEN:
                cleaned["categories"] = []
            else:
                cleaned["categories"] = self._lines(
                    "categories_text", "category", 1, MAX_CATEGORIES
                )
        return cleaned

    def _lines(self, name, what, least, most):
        lines = [line.strip() for line in (self.cleaned_data.get(name) or "").splitlines()]
        lines = [line for line in lines if line]
        if len(lines) < least:
            self.add_error(name, f"Write at least {least} {what}, one a line.")
        elif len(lines) > most:
            self.add_error(
                name, f"A card sort takes at most {most} {what}s; this has {len(lines):,}."
            )
        elif any(len(line) > 200 for line in lines):
            self.add_error(name, f"A {what} is at most 200 characters.")
        else:
            seen = set()
            for line in lines:
                if line.casefold() in seen:
                    self.add_error(name, f"“{line}” is written twice: each {what} once.")
                    break
                seen.add(line.casefold())
        return lines

    def _post_clean(self):
        task = self.instance
        task.start_screen = None
        super()._post_clean()

    def save(self, commit=True):
        task = super().save(commit=commit)
        if commit:
            replace_lines(task.cards, Card, "text", self.cleaned_data["cards"], task)
            replace_lines(task.categories, Category, "label", self.cleaned_data["categories"], task)
        return task

    def change_lines(self):
        lines = super().change_lines()
        return [line for line in lines if not line.startswith(("Cards:", "Categories:"))] + [
            f"{label} changed"
            for name, label in (("cards_text", "Cards"), ("categories_text", "Categories"))
            if name in self.changed_data
        ]


def replace_lines(manager, model, field, lines, task):
    """Replace a task's cards or categories by ``lines``, in order, unless they are the same."""
    if list(manager.values_list(field, flat=True)) == lines:
        return
    manager.all().delete()
    model.objects.bulk_create(
        model(task=task, position=position, **{field: line}) for position, line in enumerate(lines)
    )
