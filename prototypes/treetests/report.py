"""A tree test's results for the report: queries, then ``analysis`` and ``pictures``.

The usual task measures (success, directness of successes, time, first click) and the
criteria come from the tasks' attempts like every task's; this adds what only a tree test
has: where people chose, where they went, and the pie tree.
"""

import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cached_property

from django.db import connection

from prototypes.reports.present import PERCENT, SECONDS, format_value
from prototypes.studies.models import Task
from prototypes.treetests import analysis, pictures, services
from prototypes.treetests.models import TreeNode


@dataclass
class TreeTaskReport:
    result: analysis.TreeTaskResult
    labels: dict  # node id -> its path, "Shop › Women › Shoes"
    tree: analysis.Tree
    correct: set
    measure: type  # metrics.Measure, passed in (metrics imports this module)

    @cached_property
    def picture(self):
        """The pie tree, drawn only when a page shows it."""
        return pictures.pie_tree(self.result.pie, self.tree, self.correct)

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


# The tree tests' attempts counted by task, path and chosen label (the data of the attempt's
# first task_end), then the seconds of the successes: two plain queries whose rows are few
# (participants who went the same way share one), so the report costs about what the database
# takes to group the rows. The attempt's first task_end is the one at its ended_ms. JSON
# comes back as text (SQLite) or decoded (PostgreSQL).
WAYS_QUERY = """
    SELECT attempt.task_id, attempt.path, event.data, COUNT(*)
    FROM prototypes_taskattempt attempt
    JOIN prototypes_participantsession session ON session.id = attempt.session_id
    LEFT JOIN prototypes_event event ON event.session_id = attempt.session_id
        AND event.task_id = attempt.task_id AND event.type = 'task_end'
        AND event.t_ms = attempt.ended_ms
    WHERE attempt.task_id IN ({tasks}) AND attempt.session_id IN ({sessions})
        AND (attempt.outcome != '' OR session.state != 'active')
    GROUP BY attempt.task_id, attempt.path, event.data
"""
TIMES_QUERY = """
    SELECT attempt.task_id, attempt.ended_ms - attempt.started_ms
    FROM prototypes_taskattempt attempt
    WHERE attempt.task_id IN ({tasks}) AND attempt.session_id IN ({sessions})
        AND attempt.outcome IN ('direct', 'indirect') AND attempt.ended_ms > attempt.started_ms
"""


def _rows(query, tasks, sessions):
    # Unordered: an ORDER BY inside IN (...) only makes the database sort the sessions.
    sessions_sql, params = sessions.order_by().values("id").query.sql_with_params()
    query = query.format(tasks=", ".join(["%s"] * len(tasks)), sessions=sessions_sql)
    with connection.cursor() as cursor:
        cursor.execute(query, [*(task.pk for task in tasks), *params])
        return cursor.fetchall()


def _memo(function):
    """``function`` of each distinct value computed once: most participants' paths are alike.
    Values may be JSON text (SQLite) or decoded lists and dicts (PostgreSQL)."""
    seen = {}

    def cached(value):
        key = value if isinstance(value, str | None) else json.dumps(value)
        if key not in seen:
            seen[key] = function(value)
        return seen[key]

    return cached


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def _chosen(data, tree):
    node = data.get("node") if isinstance(data, dict) else None
    return node if node in tree.nodes else None


def tree_results(tasks, sessions, confidence, measure):
    """Task id -> TreeTaskReport of every tree test among ``tasks``: four queries, none
    without tree tests."""
    trees = [task for task in tasks if task.kind == Task.Kind.TREE_TEST]
    if not trees:
        return {}
    # By the study's id: the tasks' study need not be loaded.
    nodes = list(
        TreeNode.objects.filter(version__studies__id=trees[0].study_id).order_by("position", "id")
    )
    tree = services.analysis_tree(nodes)
    labels = {node.pk: tree.path_label(node.pk) for node in nodes}
    correct = defaultdict(set)
    for task_id, node_id in Task.correct_nodes.through.objects.filter(task__in=trees).values_list(
        "task_id", "treenode_id"
    ):
        correct[task_id].add(node_id)
    ways = defaultdict(Counter)
    path_of = _memo(
        lambda path: tuple(node for node in _json(path) or () if node is None or node in tree.nodes)
    )
    chosen_in = _memo(lambda end: _chosen(_json(end), tree))
    for task_id, path, end, count in _rows(WAYS_QUERY, trees, sessions):
        ways[task_id][path_of(path), chosen_in(end)] += count
    times = defaultdict(list)
    for task_id, milliseconds in _rows(TIMES_QUERY, trees, sessions):
        times[task_id].append(milliseconds / 1000)
    reports = {}
    for task in trees:
        result = analysis.tree_task_result_of_ways(
            tree, correct[task.pk], ways[task.pk], times[task.pk], confidence
        )
        reports[task.pk] = TreeTaskReport(result, labels, tree, correct[task.pk], measure)
    return reports
