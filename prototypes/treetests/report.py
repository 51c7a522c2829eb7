"""A tree test's results for the report: queries, then ``analysis`` and ``pictures``.

The usual task measures (success, directness of successes, time, first click) and the
criteria come from the tasks' attempts like every task's; this adds what only a tree test
has: where people chose, where they went, and the pie tree.
"""

from collections import defaultdict
from dataclasses import dataclass

from prototypes.player.models import Event, ParticipantSession, TaskAttempt
from prototypes.reports.present import PERCENT, SECONDS, format_value
from prototypes.studies.models import Task
from prototypes.treetests import analysis, pictures, services


@dataclass
class TreeTaskReport:
    result: analysis.TreeTaskResult
    labels: dict  # node id -> its path, "Shop › Women › Shoes"
    picture: pictures.PieTree
    measure: type  # metrics.Measure, passed in (metrics imports this module)

    def _label(self, node):
        return self.labels.get(node, "Skipped") if node is not None else "Skipped"

    @property
    def destinations(self):
        return [
            {
                "label": self._label(row.node),
                "count": row.count,
                "share": format_value(row.share, PERCENT),
                "width": round(row.share * 100, 2),
                "correct": row.correct,
                "skipped": row.node is None,
            }
            for row in self.result.destinations
        ]

    @property
    def first_clicks(self):
        clicked = sum(count for _, count, _ in self.result.first_clicks)
        return [
            {
                "label": self._label(node),
                "count": count,
                "share": format_value(count / clicked, PERCENT),
                "width": round(count / clicked * 100, 2),
                "right": right,
            }
            for node, count, right in self.result.first_clicks
        ]

    def _measure(self, unit, estimate):
        return self.measure.of(unit, estimate)

    @property
    def success(self):
        return self._measure(PERCENT, self.result.success)

    @property
    def direct_success(self):
        return self._measure(PERCENT, self.result.direct_success)

    @property
    def directness(self):
        return self._measure(PERCENT, self.result.directness)

    @property
    def first_click(self):
        return self._measure(PERCENT, self.result.first_click)

    @property
    def time(self):
        return self._measure(SECONDS, self.result.time)

    @property
    def outcome_text(self):
        result = self.result
        return {
            "indirect": format_value(result.indirect_success_rate, PERCENT),
            "failure": format_value(result.failure_rate, PERCENT),
            "skip": format_value(result.skip_rate, PERCENT),
        }

    def as_dict(self):
        result = self.result
        return {
            "kind": "tree_test",
            "participants": result.n,
            "success": self.success.as_dict(),
            "direct_success": self.direct_success.as_dict(),
            "indirect_success_rate": result.indirect_success_rate,
            "failure_rate": result.failure_rate,
            "skip_rate": result.skip_rate,
            "directness": self.directness.as_dict(),
            "first_click": self.first_click.as_dict(),
            "time": self.time.as_dict(),
            "median_seconds": result.median_seconds,
            "destinations": [
                {
                    "node": row.node,
                    "path": self._label(row.node),
                    "count": row.count,
                    "correct": row.correct,
                }
                for row in result.destinations
            ],
            "first_clicks": [
                {"node": node, "label": self._label(node), "count": count, "right": right}
                for node, count, right in result.first_clicks
            ],
            "pie_tree": [
                {
                    "node": row.node,
                    "visits": row.visits,
                    "deeper": row.deeper,
                    "back": row.back,
                    "chose": row.chose,
                    "on_correct_path": row.on_correct_path,
                }
                for row in result.pie
            ],
        }

    def csv_rows(self):
        """The destinations table as CSV rows, with a header."""
        rows = [("destination", "correct", "participants", "share")]
        rows += [
            (self._label(row.node), "yes" if row.correct else "no", row.count, f"{row.share:.4f}")
            for row in self.result.destinations
        ]
        return rows


def tree_results(tasks, sessions, confidence, measure):
    """Task id -> TreeTaskReport of every tree test among ``tasks``: four queries, none
    without tree tests."""
    trees = [task for task in tasks if task.kind == Task.Kind.TREE_TEST]
    if not trees:
        return {}
    version = trees[0].study.prototype_version
    nodes = services.tree_nodes(version)
    tree = services.analysis_tree(nodes)
    labels = {node.pk: tree.path_label(node.pk) for node in nodes}
    correct = defaultdict(set)
    for task_id, node_id in Task.correct_nodes.through.objects.filter(task__in=trees).values_list(
        "task_id", "treenode_id"
    ):
        correct[task_id].add(node_id)
    chosen = {
        (session_id, task_id): data.get("node")
        for session_id, task_id, data in Event.objects.filter(
            session__in=sessions, task__in=trees, type=Event.Type.TASK_END
        )
        # Latest first, so the first end of an attempt (the one that counts) is kept.
        .order_by("-t_ms", "-id")
        .values_list("session_id", "task_id", "data")
        if isinstance(data, dict)
    }
    journeys = defaultdict(list)
    for session_id, task_id, outcome, started_ms, ended_ms, path, state in (
        TaskAttempt.objects.filter(session__in=sessions, task__in=trees)
        .order_by()
        .values_list(
            "session_id", "task_id", "outcome", "started_ms", "ended_ms", "path", "session__state"
        )
    ):
        if not outcome and state == ParticipantSession.State.ACTIVE:
            continue  # still at it
        seconds = (ended_ms - started_ms) / 1000 if ended_ms and ended_ms > started_ms else None
        visited = tuple(node for node in path or () if node is None or node in tree.nodes)
        choice = chosen.get((session_id, task_id)) if outcome else None
        journeys[task_id].append(
            analysis.Journey(session_id, visited, choice if choice in tree.nodes else None, seconds)
        )
    reports = {}
    for task in trees:
        result = analysis.tree_task_result(tree, correct[task.pk], journeys[task.pk], confidence)
        reports[task.pk] = TreeTaskReport(
            result, labels, pictures.pie_tree(result.pie, tree, correct[task.pk]), measure
        )
    return reports
