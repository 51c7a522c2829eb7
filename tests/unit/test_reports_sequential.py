"""The report's verdicts are ``analysis.verdict_path`` over the stored results in arrival order.

The demo workspace is built, and for every criterion of every demo study the outcomes are
read back from the database here, independently of ``prototypes.reports.metrics``: the
verdict, interval, n, projection and settling point of the results page, the stakeholder
summary and report.json must all be the last step of the path.
"""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from prototypes import analysis, stats
from prototypes.models import (
    Answer,
    Criterion,
    Decision,
    Event,
    ParticipantSession,
    Study,
    TaskAttempt,
)
from prototypes.reports.metrics import build_report, study_sessions
from prototypes.reports.present import ANYTIME_VALID, more_participants_text
from tests.unit.test_reports_views import make_study

SUCCESSES = (TaskAttempt.Outcome.DIRECT, TaskAttempt.Outcome.INDIRECT)


@pytest.fixture
def demo(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo", stdout=StringIO())
    return Study.objects.filter(criteria__isnull=False).distinct().order_by("pk")


def stored_outcomes(criterion):
    """The criterion's outcomes read straight from the stored rows, in arrival order."""
    sessions = study_sessions(criterion.study)
    metric = criterion.metric
    if metric in (Criterion.Metric.SUS, Criterion.Metric.ANSWER_SHARE):
        answers = Answer.objects.filter(session__in=sessions, question=criterion.question).order_by(
            "answered_at", "id"
        )
        values = answers.values_list("value", flat=True)
        if metric == Criterion.Metric.SUS:
            return [stats.sus_score(value) for value in values]
        return [
            criterion.choice in value if isinstance(value, list) else criterion.choice == value
            for value in values
        ]
    if metric == Criterion.Metric.FIRST_CLICK_RATE:
        first = {}
        clicks = Event.objects.filter(
            session__in=sessions,
            task=criterion.task,
            type__in=(Event.Type.CLICK, Event.Type.MISCLICK),
            x__isnull=False,
        ).order_by("session_id", "t_ms", "id")
        for click in clicks:
            first.setdefault(click.session_id, criterion.task.target_contains(click.x, click.y))
        return [first[session] for session in sorted(first)]
    attempts = (
        TaskAttempt.objects.filter(session__in=sessions, task=criterion.task)
        .exclude(outcome="", session__state=ParticipantSession.State.ACTIVE)
        .order_by("session_id", "id")
    )
    if metric == Criterion.Metric.COMPLETION_RATE:
        return [attempt.outcome in SUCCESSES for attempt in attempts]
    assert metric == Criterion.Metric.TIME_ON_TASK
    return [
        (attempt.ended_ms - attempt.started_ms) / 1000
        for attempt in attempts
        if attempt.outcome in SUCCESSES
        and attempt.ended_ms
        and attempt.ended_ms > attempt.started_ms
    ]


def test_the_demo_verdicts_are_the_last_step_of_their_paths(demo, client):
    studies = list(demo)
    assert len(studies) >= 2
    kinds = set()
    for study in studies:
        report = build_report(study)
        data = report.as_dict()
        client.force_login(study.workspace.memberships.first().user)
        summary = client.get(reverse("study_summary", args=[study.pk])).content.decode()
        api = client.get(reverse("api_report", args=[study.pk])).json()
        assert ANYTIME_VALID.split(":")[0] in summary
        for result, shown in zip(report.criteria, data["criteria"], strict=True):
            criterion = result.criterion
            kinds.add(criterion.metric)
            rule = analysis.Criterion(
                criterion.metric, criterion.comparison, criterion.threshold, criterion.must_have
            )
            path = analysis.verdict_path(rule, stored_outcomes(criterion), study.confidence)
            last = path[-1]
            assert result.verdict == last, criterion
            for key, expected in (
                ("verdict", last.verdict),
                ("estimate", last.estimate),
                ("low", last.low),
                ("high", last.high),
                ("n", last.n),
                ("more_participants", last.more_participants),
                ("settled_at_n", last.settled_at),
            ):
                assert shown[key] == expected, (criterion, key)
                assert api["criteria"][result.number - 1][key] == expected
            if last.verdict == analysis.NOT_YET:
                assert more_participants_text(last.more_participants) in summary
            else:
                first = next(step for step in path if step.verdict == last.verdict)
                assert last.settled_at == first.n
                assert f"settled at participant {last.settled_at}" in summary
        assert data["verdict"] == analysis.overall_verdict(
            (result.verdict, result.must_have) for result in report.criteria
        )
    assert kinds >= {"completion_rate", "sus", "time_on_task", "first_click_rate", "answer_share"}


def test_the_decision_log_records_when_a_criterion_settled_apart_from_decisions(
    client, owner, workspace, django_assert_max_num_queries
):
    # A run of successes settles "at least 50%"; the failures after it change nothing.
    outcomes = [True] * 16 + [False] * 6
    study = make_study(workspace, outcomes=["direct" if hit else "gave_up" for hit in outcomes])
    Decision.objects.create(problem=study.problem, study=study, decision="go", rationale="Ship it.")
    rule = analysis.Criterion("completion_rate", "at_least", 0.5, True)
    settled_at = analysis.verdict_path(rule, outcomes)[-1].settled_at
    assert 3 < settled_at < 16
    [result] = build_report(study).milestones
    assert (result.verdict.verdict, result.verdict.settled_at) == (analysis.PASS, settled_at)
    assert result.settled_on is not None

    client.force_login(owner)
    url = reverse("problem_decisions", args=[study.problem.pk])
    with django_assert_max_num_queries(40):
        html = client.get(url).content.decode()
    assert "Criteria settled by the results" in html
    assert f"settled at participant {settled_at}" in html
    assert html.index("Ship it.") < html.index("Criteria settled by the results")
    partial = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert f"settled at participant {settled_at}" in partial
