"""What the events API accepts from tree tests and card sorts (see docs/api.md).

The ingestion service hands the plan of a study with such tasks here to add what their
events may name (nodes of the tree, cards, categories), and each of their events to be
checked against it, so that a stored event always names something of its task.
"""

import dataclasses

from prototypes.cardsorts.models import Card, Category
from prototypes.player import attempts
from prototypes.studies.models import Task
from prototypes.treetests.models import TreeNode

MAX_GROUP_CHARS = 120
NAVIGATION_KINDS = (Task.Kind.TREE_TEST, Task.Kind.CARD_SORT)


def add_to_plans(task_plans, kinds, version_id):
    """The task plans with their tree and correct nodes, or their cards and categories: up to
    four queries, and none for a study without tree tests or card sorts."""
    trees = [task_id for task_id, kind in kinds.items() if kind == Task.Kind.TREE_TEST]
    sorts = [task_id for task_id, kind in kinds.items() if kind == Task.Kind.CARD_SORT]
    if not trees and not sorts:
        return task_plans
    plans = dict(task_plans)
    if trees:
        tree = dict(TreeNode.objects.filter(version_id=version_id).values_list("id", "parent_id"))
        correct = {}
        for task_id, node_id in Task.correct_nodes.through.objects.filter(
            task_id__in=trees
        ).values_list("task_id", "treenode_id"):
            correct.setdefault(task_id, set()).add(node_id)
        for task_id in trees:
            plans[task_id] = dataclasses.replace(
                plans[task_id],
                kind=Task.Kind.TREE_TEST,
                tree=tree,
                correct_nodes=frozenset(correct.get(task_id, ())),
            )
    if sorts:
        cards, categories = {}, {}
        for task_id, card_id in Card.objects.filter(task_id__in=sorts).values_list("task_id", "id"):
            cards.setdefault(task_id, set()).add(card_id)
        for task_id, label in Category.objects.filter(task_id__in=sorts).values_list(
            "task_id", "label"
        ):
            categories.setdefault(task_id, set()).add(label)
        modes = dict(Task.objects.filter(pk__in=sorts).values_list("pk", "sort_mode"))
        for task_id in sorts:
            plans[task_id] = dataclasses.replace(
                plans[task_id],
                kind=Task.Kind.CARD_SORT,
                cards=frozenset(cards.get(task_id, ())),
                categories=frozenset(categories.get(task_id, ())),
                closed=modes[task_id] == Task.SortMode.CLOSED,
            )
    return plans


def clean_data(event_type, data, task, fail):
    """The data of a tree_step, card_place or tree test's task_end event, checked against its
    task's plan (``task``: an attempts.TaskPlan, or None when the event names no task)."""
    if event_type == "task_end":
        if "node" not in data:
            return data
        if task is None or task.kind != Task.Kind.TREE_TEST:
            fail("only a tree test's task_end names a node.")
        if data.get("reason") != attempts.SAID_DONE:
            fail('a task_end naming the chosen node has data.reason "done".')
        return {"reason": data["reason"], "node": _node(data, task, fail, blank=False)}
    if event_type == "tree_step":
        if task is None or task.kind != Task.Kind.TREE_TEST:
            fail("a tree_step event names a tree test's task.")
        return {"node": _node(data, task, fail, blank=True)}
    if task is None or task.kind != Task.Kind.CARD_SORT:
        fail("a card_place event names a card sort's task.")
    card = data.get("card")
    if not _is_id(card) or card not in task.cards:
        fail("data.card must be the id of one of the task's cards.")
    group = data.get("group")
    if group is None:
        group = ""
    if not isinstance(group, str) or len(group) > MAX_GROUP_CHARS:
        fail(f"data.group must be a group name of at most {MAX_GROUP_CHARS} characters.")
    group = " ".join(group.split())
    if group and task.closed and group not in task.categories:
        fail("data.group must be one of the closed sort's categories.")
    return {"card": card, "group": group}


def _node(data, task, fail, blank):
    node = data.get("node")
    if node is None and blank:
        return None
    if not _is_id(node) or node not in task.tree:
        fail(
            "data.node must be the id of a label of the study's tree"
            + (" or null." if blank else ".")
        )
    return node


def _is_id(value):
    return isinstance(value, int) and not isinstance(value, bool)
