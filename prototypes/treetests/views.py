"""The designer's tree editor: write or import a tree prototype's tree, then publish it."""

import csv

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from prototypes.authoring.models import Prototype
from prototypes.authoring.views import can_edit
from prototypes.cardsorts.models import GroupMerge
from prototypes.cardsorts.report import card_sort_results
from prototypes.reports.exports import csv_cell
from prototypes.reports.metrics import Measure, study_sessions
from prototypes.studies.models import Task
from prototypes.treetests import services, tree
from prototypes.treetests.forms import TreeForm
from prototypes.treetests.report import tree_results
from prototypes.workspaces.access import get_scoped_object_or_404, workspace_view
from prototypes.workspaces.models import Role


@workspace_view(Role.VIEWER)
def tree_editor(request, prototype_pk):
    prototype = get_scoped_object_or_404(request, Prototype, pk=prototype_pk)
    if prototype.kind != Prototype.Kind.TREE:
        # Screens, not labels: the prototype's own page edits them.
        return redirect("prototype_detail", prototype.pk)
    draft = prototype.draft
    editable = can_edit(request, prototype.workspace_id)
    nodes = services.tree_nodes(draft)
    form = TreeForm(
        request.POST if request.method == "POST" and editable else None,
        request.FILES if request.method == "POST" and editable else None,
        initial={"outline": tree.as_indented(nodes_as_labels(nodes))},
    )
    if form.is_bound and form.is_valid():
        count = services.save_tree(draft, form.cleaned_data["labels"])
        messages.success(request, f"Tree saved: {count:,} labels.")
        return redirect("tree_editor", prototype.pk)
    versions = prototype.published_versions().select_related("published_by")
    return render(
        request,
        "treetests/tree_editor.html",
        {
            "prototype": prototype,
            "form": form,
            "editable": editable,
            "nodes": nodes,
            "versions": versions,
        },
    )


@require_POST
@workspace_view(Role.DESIGNER)
def tree_publish(request, prototype_pk):
    prototype = get_scoped_object_or_404(request, Prototype, pk=prototype_pk)
    if prototype.kind != Prototype.Kind.TREE:
        return redirect("prototype_detail", prototype.pk)
    with transaction.atomic():
        Prototype.objects.select_for_update().get(pk=prototype.pk)
        draft = prototype.draft
        if not draft.tree_nodes.exists():
            messages.error(request, "Write the tree before publishing it.")
            return redirect("tree_editor", prototype.pk)
        version = draft.publish(user=request.user, note=request.POST.get("note", "")[:200])
        services.copy_tree(draft, version)
    messages.success(
        request, f"Published {version.label}: studies can now test this tree, frozen as it is."
    )
    return redirect("tree_editor", prototype.pk)


def nodes_as_labels(nodes):
    index = {node.pk: position for position, node in enumerate(nodes)}
    return [
        tree.Label(node.label, node.depth, index.get(node.parent_id), position + 1)
        for position, node in enumerate(nodes)
    ]


def _navigation_task(request, task_pk, kind):
    """The task, or None when it is not of ``kind`` (its study's results are the place then)."""
    task = get_scoped_object_or_404(
        request, Task.objects.select_related("study__prototype_version"), pk=task_pk
    )
    return task if task.kind == kind else None, task


def csv_response(rows, filename):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerows([[csv_cell(value) for value in row] for row in rows])
    return response


@require_GET
@workspace_view(Role.VIEWER)
def tree_test_csv(request, task_pk):
    """A tree-test task's destinations table as CSV."""
    tree_task, task = _navigation_task(request, task_pk, Task.Kind.TREE_TEST)
    if tree_task is None:
        return redirect("study_results", task.study_id)
    sessions = study_sessions(task.study)
    report = tree_results([task], sessions, task.study.confidence, Measure)[task.pk]
    return csv_response(report.csv_rows(), f"tree-test-task-{task.number}-destinations.csv")


@require_GET
@workspace_view(Role.VIEWER)
def card_sort_csv(request, task_pk, table):
    """A card sort's similarity matrix or placement matrix as CSV."""
    sort_task, task = _navigation_task(request, task_pk, Task.Kind.CARD_SORT)
    if sort_task is None:
        return redirect("study_results", task.study_id)
    report = card_sort_results([task], study_sessions(task.study))[task.pk]
    rows = report.similarity_csv() if table == "similarity" else report.placement_csv()
    return csv_response(rows, f"card-sort-task-{task.number}-{table}.csv")


@require_POST
@workspace_view(Role.DESIGNER)
def card_sort_merge(request, task_pk):
    """Merge one of an open sort's groups into another (``name`` into ``into``), or undo a
    merge (``undo``: the merged group's name)."""
    sort_task, task = _navigation_task(request, task_pk, Task.Kind.CARD_SORT)
    results = reverse("study_results", args=[task.study_id]) + "#tasks"
    if sort_task is None:
        return redirect(results)
    undo = request.POST.get("undo", "")
    if undo:
        GroupMerge.objects.filter(task=task, name=undo).delete()
        messages.success(request, f"“{undo}” is a group of its own again.")
        return redirect(results)
    report = card_sort_results([task], study_sessions(task.study))[task.pk]
    name, into = request.POST.get("name", ""), request.POST.get("into", "")
    if name not in report.groups or into not in report.groups or name == into:
        messages.error(request, "Choose two different groups of this card sort to merge.")
        return redirect(results)
    GroupMerge.objects.update_or_create(task=task, name=name, defaults={"into": into})
    # Groups already merged into this one follow it.
    GroupMerge.objects.filter(task=task, into=name).update(into=into)
    messages.success(request, f"“{name}” is now counted as “{into}”.")
    return redirect(results)
