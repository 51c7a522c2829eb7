from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    Subquery,
    Value,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from prototypes.friction.models import Theme
from prototypes.sessions.models import ParticipantSession
from prototypes.studies import ab, friction, services
from prototypes.studies.forms import (
    ConceptForm,
    ConfirmForm,
    CriterionForm,
    MoveForm,
    ProblemForm,
    QuestionForm,
    StudyForm,
    TaskForm,
    short,
)
from prototypes.studies.language import language_warnings
from prototypes.studies.models import Criterion, Problem, Question, Study, StudyConcept, Task
from prototypes.studies.target import TargetForm, suggested_target, target_reached
from prototypes.treetests.forms import NavigationTaskForm
from prototypes.treetests.services import is_tree
from prototypes.workspaces.access import (
    get_scoped_object_or_404,
    require_workspace,
    workspace_view,
)
from prototypes.workspaces.models import Role

State = Study.State

TRANSITION_MESSAGES = {
    State.LIVE: "The study is live: share its link with participants.",
    State.PAUSED: "The study is paused: nobody new can start until you resume it.",
    State.CLOSED: "The study is closed: nobody else can take part. Its results stay available.",
}


def _study(request, study_pk):
    return get_scoped_object_or_404(
        request,
        Study.objects.select_related("workspace", "problem", "prototype_version__prototype"),
        pk=study_pk,
    )


def _study_item(request, model, pk):
    """A task, question or criterion of one of the user's studies."""
    return get_scoped_object_or_404(
        request,
        model.objects.select_related("study__workspace", "study__prototype_version__prototype"),
        pk=pk,
    )


def _posted(request):
    """The submitted data, bound even when empty: a confirmation may have no fields."""
    return request.POST if request.method == "POST" else None


def _to_study(study, anchor=""):
    return redirect(reverse("study_detail", args=[study.pk]) + (f"#{anchor}" if anchor else ""))


def _apply_change(request, study, form, summary, change_fn):
    """Apply a valid form's change under the study's revision rules; False if refused."""
    try:
        services.apply_locked_change(
            study, request.user, form.cleaned_data.get("reason", ""), summary, change_fn
        )
    except services.ReasonRequired as error:
        # A participant started the study while this form was being filled in.
        form.add_reason_field(study)
        form.add_error("reason", str(error))
        return False
    except services.StudyRuleError as error:
        form.add_error(None, str(error))
        return False
    return True


def _can_edit(request, workspace_id):
    return request.memberships[workspace_id].has_role(Role.DESIGNER)


# Problems.


@workspace_view(Role.VIEWER)
def problem_list(request):
    workspace = require_workspace(request)
    problems = Problem.objects.filter(workspace=workspace).annotate(study_count=Count("studies"))
    return render(
        request,
        "studies/problem_list.html",
        {"problems": problems, "can_edit": _can_edit(request, workspace.pk)},
    )


@workspace_view(Role.DESIGNER)
def problem_create(request):
    workspace = require_workspace(request)
    form = ProblemForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        problem = form.save(commit=False)
        problem.workspace = workspace
        problem.save()
        messages.success(request, "Problem written down. Now plan a study to test a concept.")
        return redirect("problem_detail", problem.pk)
    return render(request, "studies/problem_form.html", {"form": form})


@workspace_view(Role.VIEWER)
def problem_detail(request, problem_pk):
    problem = get_scoped_object_or_404(
        request, Problem.objects.select_related("theme"), pk=problem_pk
    )
    studies = problem.studies.select_related("prototype_version__prototype").annotate(
        finished_count=_count_of(ParticipantSession.objects.filter(state="completed"))
    )
    return render(
        request,
        "studies/problem_detail.html",
        {
            "problem": problem,
            "studies": studies,
            "can_edit": _can_edit(request, problem.workspace_id),
        },
    )


@workspace_view(Role.DESIGNER)
@require_POST
def theme_promote(request, theme_pk):
    """A friction theme becomes a Problem in one step, its statement written from the evidence."""
    theme = get_scoped_object_or_404(request, Theme, pk=theme_pk)
    problem = friction.promote(theme)
    messages.success(request, "Problem created from the theme: check its statement.")
    return redirect("problem_detail", problem.pk)


@workspace_view(Role.DESIGNER)
def problem_edit(request, problem_pk):
    problem = get_scoped_object_or_404(request, Problem, pk=problem_pk)
    form = ProblemForm(_posted(request), instance=problem)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Problem saved.")
        return redirect("problem_detail", problem.pk)
    return render(request, "studies/problem_form.html", {"form": form, "problem": problem})


# Studies.


def _count_of(queryset):
    """The number of `queryset` rows belonging to each study, as an annotation."""
    counts = (
        queryset.filter(study=OuterRef("pk"))
        .order_by()
        .values("study")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))


@workspace_view(Role.VIEWER)
def study_list(request):
    workspace = require_workspace(request)
    studies = (
        Study.objects.filter(workspace=workspace)
        .select_related("problem", "prototype_version__prototype")
        .annotate(
            finished_count=_count_of(ParticipantSession.objects.filter(state="completed")),
            task_count=_count_of(Task.objects.all()),
        )
    )
    state = request.GET.get("state", "")
    if state in State.values:
        studies = studies.filter(state=state)
    else:
        state = ""
    return render(
        request,
        "studies/study_list.html",
        {
            "studies": studies,
            "state": state,
            "states": State.choices,
            "can_edit": _can_edit(request, workspace.pk),
        },
    )


@workspace_view(Role.DESIGNER)
def study_create(request):
    workspace = require_workspace(request)
    initial = {}
    if request.GET.get("problem", "").isdigit():
        initial["problem"] = int(request.GET["problem"])
    form = StudyForm(_posted(request), workspace=workspace, initial=initial)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            study = form.save(commit=False)
            study.workspace = workspace
            study.created_by = request.user
            study.save()
        messages.success(
            request, "Study created. Now add the tasks that would show the problem solved."
        )
        return _to_study(study)
    has_versions = form.fields["prototype_version"].queryset.exists()
    return render(request, "studies/study_form.html", {"form": form, "has_versions": has_versions})


def _progress_context(study):
    return {
        "study": study,
        "progress": services.study_progress(study),
        "polling": study.state in (State.LIVE, State.PAUSED),
    }


@workspace_view(Role.VIEWER)
def study_detail(request, study_pk):
    study = _study(request, study_pk)
    screen_names = dict(study.prototype_version.screens.values_list("pk", "name"))
    tasks = list(study.tasks.select_related("start_screen").prefetch_related("goal_screens"))
    if is_tree(study.prototype_version):
        prefetch_related_objects(tasks, "correct_nodes", "cards", "categories")
    if any(not task.is_clickthrough for task in tasks):
        prefetch_related_objects(tasks, "options", "questions")
    for task in tasks:
        task.path_names = [screen_names.get(pk, "?") for pk in task.expected_path]
    links = [
        (link, settings.SITE_URL + link.get_absolute_url())
        for link in study.share_links.filter(moderated_session=None)
    ]
    # Questions attached to a task are shown with it; these are asked after all the tasks.
    questions = list(study.questions.filter(task__isnull=True))
    progress_context = _progress_context(study)
    finished = progress_context["progress"].finished
    criteria = list(study.criteria.select_related("task", "question"))
    context = {
        **progress_context,
        "target_reached": target_reached(study, finished),
        "target_form": TargetForm(
            initial={"target": suggested_target(study, finished)}, finished=finished
        ),
        "tasks": tasks,
        "questions": questions,
        "has_sus": any(question.kind == Question.Kind.SUS for question in questions),
        "criteria": criteria,
        "planning_warnings": services.planning_warnings(study, criteria=criteria),
        "links": links,
        "changes": list(study.changes.select_related("changed_by")[:50]),
        "locked": services.has_participants(study),
        "go_live_problems": (
            services.go_live_problems(study) if study.state == State.DRAFT else []
        ),
        "language_warnings": (
            language_warnings(study, tasks) if study.state == State.DRAFT else []
        ),
        "transitions": services.allowed_transitions(study),
        "can_edit": _can_edit(request, study.workspace_id),
    }
    return render(request, "studies/study_detail.html", context)


@workspace_view(Role.VIEWER)
def study_progress(request, study_pk):
    study = _study(request, study_pk)
    return render(request, "studies/study_detail.html#progress", _progress_context(study))


@workspace_view(Role.DESIGNER)
def study_edit(request, study_pk):
    study = _study(request, study_pk)
    locked = services.has_participants(study)
    form = StudyForm(_posted(request), instance=study, workspace=study.workspace, locked=locked)
    if request.method == "POST" and form.is_valid():
        if form.locked_changes():
            summary = "Changed the study — " + "; ".join(form.change_lines())
            saved = _apply_change(request, study, form, summary, form.save)
        else:
            with transaction.atomic():
                form.save()
            saved = True
        if saved:
            messages.success(request, "Study saved.")
            for warning in form.planning_warnings:
                messages.warning(request, warning)
            return _to_study(study)
    return render(
        request,
        "studies/study_form.html",
        {"form": form, "study": study, "locked": locked, "has_versions": True},
    )


@workspace_view(Role.DESIGNER)
def study_delete(request, study_pk):
    study = _study(request, study_pk)
    if study.state != State.DRAFT:
        messages.error(
            request, "Only a draft study can be deleted. Close it instead: its results stay."
        )
        return _to_study(study)
    if request.method == "POST":
        study.delete()
        messages.success(request, f"Study “{study.title}” deleted.")
        return redirect("study_list")
    return render(
        request,
        "studies/confirm.html",
        {
            "study": study,
            "form": ConfirmForm(study=study),
            "title": f"Delete the study “{study.title}”?",
            "consequences": [
                "Its tasks, questions and criteria are deleted with it.",
                f"The problem “{study.problem}” and the prototype stay.",
            ],
            "submit_label": "Delete the study",
        },
    )


@require_POST
@workspace_view(Role.DESIGNER)
def study_transition(request, study_pk):
    study = _study(request, study_pk)
    target = request.POST.get("state", "")
    if target == State.CLOSED:
        # Closing is final, so it always goes through its confirmation page.
        return redirect("study_close", study_pk=study.pk)
    return _transition(request, study, target)


def _transition(request, study, target):
    try:
        services.transition(study, target)
    except services.TransitionRefused as error:
        for problem in error.problems:
            messages.error(request, problem)
    else:
        messages.success(request, TRANSITION_MESSAGES[target])
        if target == State.LIVE:
            for warning in language_warnings(study):
                messages.warning(request, warning)
    return _to_study(study)


@workspace_view(Role.DESIGNER)
def study_close(request, study_pk):
    """Ask before closing: a closed study is final (GET asks, only the POST closes)."""
    study = _study(request, study_pk)
    refusal = services.transition_refusal(study, State.CLOSED)
    if refusal:
        messages.error(request, refusal)
        return _to_study(study)
    if request.method == "POST":
        return _transition(request, study, State.CLOSED)
    return render(
        request,
        "studies/confirm.html",
        {
            "study": study,
            "form": ConfirmForm(study=study),
            "title": f"Close the study “{study.title}”?",
            "consequences": [
                "Nobody new can take part: its share links and panel invitations stop letting "
                "people in.",
                "Its verdict is frozen on the sessions it has; the results stay available.",
                "A closed study cannot be reopened.",
            ],
            "submit_label": "Close the study",
        },
    )


@require_POST
@workspace_view(Role.DESIGNER)
def study_target(request, study_pk):
    """Raise the participant target, typically once it is reached."""
    study = _study(request, study_pk)
    finished = services.study_progress(study).finished
    form = TargetForm(request.POST, finished=finished)
    if form.is_valid():
        Study.objects.filter(pk=study.pk).update(target_participants=form.cleaned_data["target"])
        messages.success(
            request,
            f"Target raised to {form.cleaned_data['target']} participants: the study keeps "
            "taking part.",
        )
    else:
        messages.error(request, " ".join(form.errors["target"]))
    return _to_study(study, "progress")


# Tasks, questions and criteria: each change goes through services.apply_locked_change.


def _edit_page(request, study, form, *, template, summary, anchor, saved_message, context):
    """Render an edit form for a study's part; on a valid POST apply it and go back."""
    if request.method == "POST" and form.is_valid():
        creating = form.instance.pk is None
        lines = [] if creating else form.change_lines()
        if not creating and not lines:
            messages.info(request, "Nothing changed.")
            return _to_study(study, anchor)

        def save():
            if creating and hasattr(form.instance, "position"):
                siblings = type(form.instance).objects.filter(study=study)
                form.instance.position = services.next_position(siblings)
            form.save()

        if _apply_change(request, study, form, summary(lines), save):
            messages.success(request, saved_message)
            return _to_study(study, anchor)
    return render(
        request,
        template,
        {"form": form, "study": study, "locked": "reason" in form.fields, **context},
    )


def _confirm_page(request, study, form, *, summary, change_fn, anchor, done_message, context):
    """A confirmation (with a reason once the study is locked) for a delete or a move."""
    if (
        request.method == "POST"
        and form.is_valid()
        and _apply_change(request, study, form, summary(), change_fn)
    ):
        messages.success(request, done_message)
        return _to_study(study, anchor)
    return render(
        request,
        "studies/confirm.html",
        {"form": form, "study": study, "locked": "reason" in form.fields, **context},
    )


@workspace_view(Role.DESIGNER)
def task_create(request, study_pk):
    study = _study(request, study_pk)
    form_class, template = _task_form(study)
    form = form_class(
        _posted(request),
        instance=Task(study=study),
        study=study,
        locked=services.has_participants(study),
    )
    number = study.tasks.count() + 1
    return _edit_page(
        request,
        study,
        form,
        template=template,
        summary=lambda lines: f"Added task {number}: “{short(form.cleaned_data['instruction'])}”.",
        anchor="tasks",
        saved_message="Task added.",
        context={"task": None},
    )


def _task_form(study):
    """The task form and its template: a study on a navigation tree has tree tests and card
    sorts, one on screens the other kinds."""
    if is_tree(study.prototype_version):
        return NavigationTaskForm, "treetests/task_form.html"
    return TaskForm, "studies/task_form.html"


@workspace_view(Role.DESIGNER)
def task_edit(request, task_pk):
    task = _study_item(request, Task, task_pk)
    study = task.study
    form_class, template = _task_form(study)
    form = form_class(
        _posted(request), instance=task, study=study, locked=services.has_participants(study)
    )
    return _edit_page(
        request,
        study,
        form,
        template=template,
        summary=lambda lines: f"Changed task {task.number} — " + "; ".join(lines),
        anchor="tasks",
        saved_message="Task saved.",
        context={"task": task},
    )


@workspace_view(Role.DESIGNER)
def task_delete(request, task_pk):
    task = _study_item(request, Task, task_pk)
    study = task.study
    criteria = list(task.criterion_set.select_related("task"))
    form = ConfirmForm(_posted(request), study=study, locked=services.has_participants(study))
    consequences = [
        f"Its criterion “{criterion.describe()}” is deleted too." for criterion in criteria
    ]
    return _confirm_page(
        request,
        study,
        form,
        summary=lambda: (
            f"Deleted task {task.number}: “{short(task.instruction)}”"
            + (f", with {len(criteria)} criteria" if criteria else "")
            + "."
        ),
        change_fn=lambda: services.delete_task(task),
        anchor="tasks",
        done_message="Task deleted.",
        context={
            "title": f"Delete task {task.number}?",
            "subject": task.instruction,
            "consequences": consequences,
            "submit_label": "Delete the task",
        },
    )


def _move_page(request, item, noun, anchor):
    study = item.study
    form = MoveForm(
        _posted(request),
        study=study,
        locked=services.has_participants(study),
        initial={"direction": request.GET.get("direction", "up")},
    )
    number = item.position + 1

    def move():
        direction = form.cleaned_data["direction"]
        if not services.move(item, direction):
            end = "first" if direction == "up" else "last"
            raise services.StudyRuleError(f"This {noun} is already the {end}.")

    return _confirm_page(
        request,
        study,
        form,
        summary=lambda: f"Moved {noun} {number} {form.cleaned_data['direction']}.",
        change_fn=move,
        anchor=anchor,
        done_message=f"{noun.capitalize()} moved.",
        context={
            "title": f"Move {noun} {number}",
            "subject": str(item),
            "consequences": [],
            "submit_label": "Move",
        },
    )


@workspace_view(Role.DESIGNER)
def task_move(request, task_pk):
    return _move_page(request, _study_item(request, Task, task_pk), "task", "tasks")


@workspace_view(Role.DESIGNER)
def question_create(request, study_pk):
    study = _study(request, study_pk)
    initial = (
        {"kind": request.GET["kind"]} if request.GET.get("kind") in Question.Kind.values else {}
    )
    form = QuestionForm(
        _posted(request),
        instance=Question(study=study),
        study=study,
        locked=services.has_participants(study),
        initial=initial,
    )
    number = study.questions.count() + 1
    return _edit_page(
        request,
        study,
        form,
        template="studies/question_form.html",
        summary=lambda lines: f"Added question {number}: {form.instance}.",
        anchor="questions",
        saved_message="Question added.",
        context={"question": None},
    )


@workspace_view(Role.DESIGNER)
def question_edit(request, question_pk):
    question = _study_item(request, Question, question_pk)
    study = question.study
    form = QuestionForm(
        _posted(request),
        instance=question,
        study=study,
        locked=services.has_participants(study),
    )
    number = question.position + 1
    return _edit_page(
        request,
        study,
        form,
        template="studies/question_form.html",
        summary=lambda lines: f"Changed question {number} — " + "; ".join(lines),
        anchor="questions",
        saved_message="Question saved.",
        context={"question": question},
    )


@workspace_view(Role.DESIGNER)
def question_delete(request, question_pk):
    question = _study_item(request, Question, question_pk)
    study = question.study
    criteria = list(question.criterion_set.select_related("task", "question"))
    form = ConfirmForm(_posted(request), study=study, locked=services.has_participants(study))
    number = question.position + 1
    return _confirm_page(
        request,
        study,
        form,
        summary=lambda: (
            f"Deleted question {number}: {question}"
            + (f", with {len(criteria)} criteria" if criteria else "")
            + "."
        ),
        change_fn=lambda: services.delete_question(question),
        anchor="questions",
        done_message="Question deleted.",
        context={
            "title": f"Delete question {number}?",
            "subject": str(question),
            "consequences": [
                f"Its criterion “{criterion.describe()}” is deleted too." for criterion in criteria
            ],
            "submit_label": "Delete the question",
        },
    )


@workspace_view(Role.DESIGNER)
def question_move(request, question_pk):
    return _move_page(request, _study_item(request, Question, question_pk), "question", "questions")


@workspace_view(Role.DESIGNER)
def criterion_create(request, study_pk):
    study = _study(request, study_pk)
    form = CriterionForm(
        _posted(request),
        instance=Criterion(study=study),
        study=study,
        locked=services.has_participants(study),
    )
    return _edit_page(
        request,
        study,
        form,
        template="studies/criterion_form.html",
        summary=lambda lines: f"Added criterion: {form.instance.describe()}.",
        anchor="criteria",
        saved_message="Criterion added.",
        context={"criterion": None},
    )


@workspace_view(Role.DESIGNER)
def criterion_edit(request, criterion_pk):
    criterion = _study_item(request, Criterion, criterion_pk)
    study = criterion.study
    form = CriterionForm(
        _posted(request),
        instance=criterion,
        study=study,
        locked=services.has_participants(study),
    )
    return _edit_page(
        request,
        study,
        form,
        template="studies/criterion_form.html",
        summary=lambda lines: (
            f"Changed criterion “{form.original_description}” — " + "; ".join(lines)
        ),
        anchor="criteria",
        saved_message="Criterion saved.",
        context={"criterion": criterion},
    )


@workspace_view(Role.DESIGNER)
def criterion_delete(request, criterion_pk):
    criterion = _study_item(request, Criterion, criterion_pk)
    study = criterion.study
    description = criterion.describe()
    form = ConfirmForm(_posted(request), study=study, locked=services.has_participants(study))
    return _confirm_page(
        request,
        study,
        form,
        summary=lambda: f"Deleted criterion: {description}.",
        change_fn=lambda: services.delete_criterion(criterion),
        anchor="criteria",
        done_message="Criterion deleted.",
        context={
            "title": "Delete this criterion?",
            "subject": description,
            "consequences": [],
            "submit_label": "Delete the criterion",
        },
    )


@workspace_view(Role.DESIGNER)
def study_concepts(request, study_pk):
    """Choose the prototype versions a study compares (concept A/B)."""
    study = _study(request, study_pk)
    form = ConceptForm(request.POST if request.POST.get("action") == "add" else None, study=study)
    if request.method == "POST" and request.POST.get("action") == "remove":
        concept = StudyConcept.objects.filter(
            study=study, pk=request.POST.get("concept") or None
        ).first()
        if concept is None:
            messages.error(request, "That concept is no longer part of this study.")
        else:
            try:
                ab.remove_concept(concept)
            except services.StudyRuleError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, f"Concept {concept.label} removed.")
        return redirect("study_concepts", study_pk=study.pk)
    if request.method == "POST" and form.is_valid():
        try:
            concept = ab.add_concept(
                study, form.cleaned_data["version"], form.cleaned_data["label"]
            )
        except services.StudyRuleError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Concept {concept.label} added.")
            return redirect("study_concepts", study_pk=study.pk)
    return render(
        request,
        "studies/concepts.html",
        {
            "study": study,
            "form": form,
            "concepts": list(
                StudyConcept.objects.filter(study=study).select_related("version__prototype")
            ),
            "locked": services.has_participants(study),
        },
    )
