"""The designer's tree editor: write or import a tree prototype's tree, then publish it."""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from prototypes.authoring.models import Prototype
from prototypes.authoring.views import can_edit
from prototypes.treetests import services, tree
from prototypes.treetests.forms import TreeForm
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
