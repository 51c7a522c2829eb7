"""Results, stakeholder summary, share links, comparison and decisions, as each kind of user."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from prototypes.models import Decision, ParticipantSession, Question, ReportShare
from prototypes.reports.compare import reading
from prototypes.reports.metrics import Measure
from prototypes.reports.present import PERCENT
from tests import factories


def make_study(workspace, outcomes=("direct", "direct", "gave_up"), problem=None, **fields):
    study = factories.StudyFactory(
        workspace=workspace,
        hypothesis="Showing the order status on the home screen stops the calls.",
        **({"problem": problem} if problem else {}),
        **fields,
    )
    home = factories.ScreenFactory(version=study.prototype_version, name="Home")
    task = factories.TaskFactory(study=study, start_screen=home)
    factories.CriterionFactory(study=study, task=task, threshold=0.5)
    sus = factories.QuestionFactory(study=study, kind=Question.Kind.SUS, text="")
    for index, outcome in enumerate(outcomes):
        session = factories.SessionFactory(study=study, state=ParticipantSession.State.COMPLETED)
        factories.TaskAttemptFactory(session=session, task=task, outcome=outcome, path=[home.pk])
        factories.EventFactory(session=session, task=task, screen=home, x=0.3, y=0.4)
        factories.AnswerFactory(session=session, question=sus, value=[4, 2] * 5)
        factories.CommentFactory(
            session=session, screen=home, task=task, text=f"Comment {index} about {outcome}"
        )
    return study


@pytest.fixture
def study(workspace):
    return make_study(workspace, title="Order status")


def login(client, user):
    client.force_login(user)
    return client


def test_results_page_shows_every_section_to_a_viewer(client, viewer, study):
    first = study.tasks.get()
    second = factories.TaskFactory(study=study, position=1, start_screen=first.start_screen)
    for session in study.sessions.all():
        factories.TaskAttemptFactory(session=session, task=second, path=[first.start_screen_id])
        factories.EventFactory(
            session=session, task=second, screen=first.start_screen, x=0.6, y=0.7
        )
    response = login(client, viewer).get(reverse("study_results", args=[study.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for text in [
        "NOT YET",
        "Success criteria",
        "Most common paths",
        "First clicks",
        "System Usability Scale",
        "Drop-off",
        "Click heatmaps",
        "Comment wall",
        "Comment 0 about direct",
        "Task 2",
        "First clicks on Home: 3 on a hotspot",
        "Changes after going live",
        'role="img"',
    ]:
        assert text in html, text
    # The content security policy forbids inline styles and scripts.
    assert "style=" not in html
    assert "<script>" not in html


def test_results_can_be_limited_to_one_revision(client, viewer, study):
    late = factories.SessionFactory(study=study, revision=2)
    factories.TaskAttemptFactory(session=late, task=study.tasks.get(), outcome="gave_up")
    client = login(client, viewer)
    html = client.get(reverse("study_results", args=[study.pk])).content.decode()
    assert "revision 2 only (1 participant)" in html
    assert "4 participants started" in html
    html = client.get(reverse("study_results", args=[study.pk]) + "?revision=2").content.decode()
    assert "1 participant started" in html


def test_summary_opens_with_the_verdict_then_problem_concept_and_criteria(client, viewer, study):
    response = login(client, viewer).get(reverse("study_summary", args=[study.pk]))
    html = response.content.decode()
    positions = [
        html.index(text)
        for text in [
            'class="verdict-word"',
            "The problem",
            study.problem.title,
            "The concept",
            study.prototype_version.prototype.name,
            study.hypothesis,
            "Success criteria",
            "Biggest friction points",
            "What participants said",
        ]
    ]
    assert positions == sorted(positions)
    # A viewer reads but cannot share.
    assert "Create a link" not in html
    assert "style=" not in html


def test_outsiders_get_404_everywhere(client, outsider, study):
    client = login(client, outsider)
    export = study.report_exports.create(kind="csv")
    share = ReportShare.objects.create(study=study)
    screen = study.tasks.get().start_screen
    urls = [
        reverse("study_results", args=[study.pk]),
        reverse("study_summary", args=[study.pk]),
        reverse("report_export_status", args=[export.pk]),
        reverse("report_export_download", args=[export.pk]),
        reverse("study_heatmap", args=[study.pk, screen.pk]),
        reverse("study_heatmap_image", args=[study.pk, screen.pk]),
        reverse("problem_compare", args=[study.problem.pk]),
        reverse("problem_decisions", args=[study.problem.pk]),
        reverse("decision_create", args=[study.problem.pk]),
        reverse("api_report", args=[study.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    posts = [
        reverse("report_share_create", args=[study.pk]),
        reverse("report_share_revoke", args=[share.pk]),
        reverse("report_export_create", args=[study.pk]),
    ]
    for url in posts:
        assert client.post(url, {"kind": "pdf"}).status_code == 404, url
    assert ReportShare.objects.get().revoked_at is None
    assert study.report_exports.count() == 1


def test_a_viewer_may_not_create_or_revoke_links_nor_record_decisions(client, viewer, study):
    client = login(client, viewer)
    share = ReportShare.objects.create(study=study)
    assert client.post(reverse("report_share_create", args=[study.pk])).status_code == 403
    assert client.post(reverse("report_share_revoke", args=[share.pk])).status_code == 403
    response = client.post(
        reverse("decision_create", args=[study.problem.pk]),
        {"decision": "go", "rationale": "Looks good"},
    )
    assert response.status_code == 403
    assert ReportShare.objects.count() == 1
    assert Decision.objects.count() == 0


def test_a_designer_creates_a_link_that_works_without_an_account(client, designer, study):
    login(client, designer)
    response = client.post(
        reverse("report_share_create", args=[study.pk]), {"label": "Steering committee"}
    )
    assert response.status_code == 302
    share = ReportShare.objects.get()
    assert share.created_by == designer
    assert len(share.token) >= 40
    summary = client.get(reverse("study_summary", args=[study.pk])).content.decode()
    assert reverse("report_share_view", args=[share.token]) in summary

    client.logout()
    response = client.get(reverse("report_share_view", args=[share.token]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="verdict-word"' in html
    assert "Log out" not in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in response["Cache-Control"]


def test_revoked_expired_and_unknown_links_answer_404(client, designer, study):
    share = ReportShare.objects.create(study=study)
    url = reverse("report_share_view", args=[share.token])
    assert client.get(url).status_code == 200

    login(client, designer).post(reverse("report_share_revoke", args=[share.pk]))
    share.refresh_from_db()
    assert share.revoked_at is not None
    client.logout()
    assert client.get(url).status_code == 404

    expired = ReportShare.objects.create(
        study=study, expires_at=timezone.now() - timedelta(minutes=1)
    )
    assert client.get(reverse("report_share_view", args=[expired.token])).status_code == 404
    assert client.get(reverse("report_share_view", args=["not-a-token"])).status_code == 404

    later = ReportShare.objects.create(study=study, expires_at=timezone.now() + timedelta(days=1))
    assert client.get(reverse("report_share_view", args=[later.token])).status_code == 200


def test_a_link_cannot_expire_in_the_past(client, designer, study):
    login(client, designer)
    yesterday = (timezone.now() - timedelta(days=1)).date().isoformat()
    client.post(reverse("report_share_create", args=[study.pk]), {"expires_on": yesterday})
    assert ReportShare.objects.count() == 0
    tomorrow = (timezone.now() + timedelta(days=1)).date().isoformat()
    client.post(reverse("report_share_create", args=[study.pk]), {"expires_on": tomorrow})
    share = ReportShare.objects.get()
    assert share.expires_at.date().isoformat() == tomorrow
    assert share.is_active


def test_the_owner_records_decisions_and_the_history_stays_with_the_problem(
    client, owner, designer, study
):
    url = reverse("decision_create", args=[study.problem.pk])
    assert login(client, designer).get(url).status_code == 403

    client = login(client, owner)
    assert client.get(url).status_code == 200
    response = client.post(url, {"decision": "iterate", "rationale": ""})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert Decision.objects.count() == 0

    client.post(url, {"decision": "iterate", "study": study.pk, "rationale": "Close, not yet."})
    client.post(url, {"decision": "go", "rationale": "Second study passed."})
    history = client.get(reverse("problem_decisions", args=[study.problem.pk]))
    html = history.content.decode()
    assert html.index("Second study passed.") < html.index("Close, not yet.")
    decision = Decision.objects.get(decision="iterate")
    assert (decision.study, decision.decided_by) == (study, owner)

    partial = client.get(
        reverse("problem_decisions", args=[study.problem.pk]), headers={"HX-Request": "true"}
    )
    assert "<html" not in partial.content.decode()
    assert "Second study passed." in partial.content.decode()


def test_a_decision_cannot_name_a_study_of_another_problem(client, owner, workspace, study):
    other = factories.StudyFactory(workspace=workspace)
    login(client, owner).post(
        reverse("decision_create", args=[study.problem.pk]),
        {"decision": "go", "study": other.pk, "rationale": "Mixed up"},
    )
    assert Decision.objects.count() == 0


def test_compare_two_concepts_on_the_same_problem(client, viewer, workspace, study):
    make_study(
        workspace,
        outcomes=["direct"] * 9 + ["gave_up"],
        problem=study.problem,
        title="Status on home screen",
    )
    response = login(client, viewer).get(reverse("problem_compare", args=[study.problem.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Concept A" in html and "Concept B" in html
    assert "completion rate is higher" in html
    assert "(90% vs 67%" in html
    assert "cannot be told apart yet" in html
    assert "valid however often you look" in html


def test_compare_needs_two_studies(client, viewer, study):
    response = login(client, viewer).get(reverse("problem_compare", args=[study.problem.pk]))
    assert "needs at least two studies" in response.content.decode()


def test_reading_a_difference_in_plain_words():
    baseline = Measure(PERCENT, 11 / 20, n=20, successes=11, trials=20)
    better = Measure(PERCENT, 18 / 22, n=22, successes=18, trials=22)
    text = reading("Concept B", better, "Concept A", baseline, (0.04, 0.5), 0.90)
    assert text.startswith("Concept B's completion rate is higher than Concept A's (82% vs 55%")
    assert "the difference lies between +4 and +50 percentage points" in text
    assert "unlikely to be chance alone" in text

    text = reading("Concept B", baseline, "Concept A", better, (-0.6, 0.1), 0.90)
    assert "lower than Concept A's so far" in text
    assert "cannot be told apart yet" in text
    assert "between −60 and +10 percentage points" in text
    assert "participants" not in text.split(";")[-1]

    same = reading("Concept B", baseline, "Concept A", baseline, (-0.3, 0.3), 0.90)
    assert "same completion rate" in same
    assert "cannot be told apart yet" in same


def page_queries(client, url):
    """Queries of a page in its steady state: the first visit may queue heatmap drawings."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_pages_make_as_many_queries_for_many_participants_as_for_few(client, viewer, workspace):
    study = make_study(workspace)
    task, home = study.tasks.get(), study.tasks.get().start_screen
    share = ReportShare.objects.create(study=study)
    client.force_login(viewer)
    urls = [
        reverse("study_results", args=[study.pk]),
        reverse("study_summary", args=[study.pk]),
        reverse("api_report", args=[study.pk]),
        reverse("report_share_view", args=[share.token]),
    ]
    few = [page_queries(client, url) for url in urls]
    for index in range(20):
        session = factories.SessionFactory(study=study, state=ParticipantSession.State.COMPLETED)
        factories.TaskAttemptFactory(session=session, task=task, path=[home.pk])
        factories.EventFactory(session=session, task=task, screen=home, x=0.1, y=0.2)
        factories.CommentFactory(session=session, screen=home, task=task, text=f"More {index}")
    assert [page_queries(client, url) for url in urls] == few
