"""Saving, freezing and reading a tree prototype's tree."""

from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone

from prototypes.authoring.models import Prototype
from prototypes.studies.models import Task
from prototypes.treetests import analysis
from prototypes.treetests.models import TreeNode


def is_tree(version):
    return version.prototype.kind == Prototype.Kind.TREE


@transaction.atomic
def save_tree(version, labels):
    """Replace the draft's tree by ``labels`` (from ``tree.parse_*``), all or nothing.

    Parents come before their children in ``labels``, so the nodes are created one depth at a
    time: one insert per level, at most ``tree.MAX_DEPTH``.
    """
    if not version.is_draft:
        raise ValueError("Only the draft's tree can be changed.")
    TreeNode.objects.filter(version=version).delete()
    created = {}
    for depth in range(max((label.depth for label in labels), default=-1) + 1):
        level = [(index, label) for index, label in enumerate(labels) if label.depth == depth]
        nodes = TreeNode.objects.bulk_create(
            TreeNode(
                version=version,
                parent=created[label.parent] if label.parent is not None else None,
                label=label.text,
                depth=depth,
                position=index,
            )
            for index, label in level
        )
        created.update(zip((index for index, _ in level), nodes, strict=True))
    Prototype.objects.filter(pk=version.prototype_id).update(updated_at=timezone.now())
    return len(created)


def copy_tree(source, target):
    """Freeze a copy of ``source``'s tree into ``target`` (a newly published version)."""
    copies = {}
    nodes = list(source.tree_nodes.order_by("depth", "position"))
    for depth in sorted({node.depth for node in nodes}):
        level = [node for node in nodes if node.depth == depth]
        made = TreeNode.objects.bulk_create(
            TreeNode(
                version=target,
                parent=copies.get(node.parent_id),
                key=node.key,
                label=node.label,
                depth=node.depth,
                position=node.position,
            )
            for node in level
        )
        copies.update(zip((node.pk for node in level), made, strict=True))
    return copies


def tree_nodes(version):
    return list(TreeNode.objects.filter(version=version).order_by("position", "id"))


def analysis_tree(nodes):
    return analysis.Tree([analysis.Node(node.pk, node.label, node.parent_id) for node in nodes])


def path_labels(nodes):
    """Node id -> its path from the top level, e.g. "Shop › Women › Shoes"."""
    tree = analysis_tree(nodes)
    return {node.pk: tree.path_label(node.pk) for node in nodes}


def player_payload(version, tasks):
    """What the player needs of a study's tree tests and card sorts: the tree (once, as
    {"id", "label", "parent"} in the designer's order) and each card sort's cards and
    categories by task id; two queries with such tasks, none without."""
    payload = {}
    if any(task.kind == Task.Kind.TREE_TEST for task in tasks):
        payload["tree"] = [
            {"id": node.pk, "label": node.label, "parent": node.parent_id}
            for node in tree_nodes(version)
        ]
    sorts = [task for task in tasks if task.kind == Task.Kind.CARD_SORT]
    if sorts:
        prefetch_related_objects(sorts, "cards", "categories")
        payload["card_sorts"] = {
            task.pk: {
                "mode": task.sort_mode,
                "allow_unsorted": task.allow_unsorted,
                "cards": [{"id": card.pk, "text": card.text} for card in task.cards.all()],
                "categories": [category.label for category in task.categories.all()],
            }
            for task in sorts
        }
    return payload
