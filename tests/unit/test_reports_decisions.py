"""The latest decision on a study's problem is shown beside its verdict: results, summary, the
PDF, the stakeholder link and report.json."""

import pytest
from django.urls import reverse

from prototypes.models import ReportExport, ReportShare
from prototypes.reports.decisions import latest_decision
from prototypes.reports.models import Decision
from prototypes.reports.tasks import build_export
from tests import factories
from tests.unit.test_reports_views import make_study

RATIONALE = "Nine in ten found their order; support calls should drop."


@pytest.fixture
def study(workspace):
    return make_study(workspace, title="Order status")


@pytest.fixture
def decided(study, owner):
    Decision.objects.create(
        problem=study.problem, study=study, decision="iterate", rationale="Too early to tell."
    )
    return Decision.objects.create(
        problem=study.problem, study=study, decision="go", rationale=RATIONALE, decided_by=owner
    )


def test_the_latest_decision_is_the_one_recorded_last(study, decided):
    assert latest_decision(study) == decided


@pytest.mark.parametrize("url_name", ["study_summary", "study_results"])
def test_the_summary_and_results_show_the_decision_beside_the_verdict(
    client, viewer, study, decided, url_name
):
    client.force_login(viewer)
    page = client.get(reverse(url_name, args=[study.pk])).content.decode()
    verdict = page.index('id="verdict-word"')
    decision = page.index('id="latest-decision-title"')
    assert verdict < decision
    assert "badge-decision-go" in page[decision : decision + 300]
    assert RATIONALE in page
    assert "based on this study" in page
    assert "Too early to tell." not in page


def test_the_stakeholder_link_shows_the_decision(client, study, decided):
    share = ReportShare.objects.create(study=study, label="Board")
    page = client.get(reverse("report_share_view", args=[share.token])).content.decode()
    assert 'id="latest-decision-title"' in page
    assert RATIONALE in page
    assert reverse("problem_decisions", args=[study.problem_id]) not in page


def test_the_pdf_shows_the_decision(study, decided):
    import pypdfium2

    export = ReportExport.objects.create(study=study, kind="pdf")
    build_export.delay(export.pk)
    export.refresh_from_db()
    pdf = pypdfium2.PdfDocument(export.file.open("rb").read())
    text = " ".join(" ".join(page.get_textpage().get_text_range().split()) for page in pdf)
    assert "Decision: Go" in text
    assert RATIONALE in text


def test_report_json_gives_the_latest_decision(client, viewer, study, decided, owner):
    client.force_login(viewer)
    data = client.get(reverse("api_report", args=[study.pk])).json()
    assert data["decision"] == {
        "decision": "go",
        "label": "Go",
        "rationale": RATIONALE,
        "decided_at": decided.decided_at.isoformat(),
        "decided_by": owner.email,
        "study": study.pk,
        "based_on_this_study": True,
    }


def test_a_decision_based_on_another_study_says_so(client, viewer, workspace, study):
    other = factories.StudyFactory(workspace=workspace, problem=study.problem, title="Concept B")
    Decision.objects.create(problem=study.problem, study=other, decision="no_go", rationale="No.")
    client.force_login(viewer)
    page = client.get(reverse("study_summary", args=[study.pk])).content.decode()
    assert "based on the study “Concept B”" in page
    data = client.get(reverse("api_report", args=[study.pk])).json()
    assert data["decision"]["based_on_this_study"] is False


def test_without_a_decision_the_team_is_pointed_to_the_log(client, viewer, study):
    client.force_login(viewer)
    page = client.get(reverse("study_summary", args=[study.pk])).content.decode()
    assert "No decision recorded yet on this problem." in page
    assert client.get(reverse("api_report", args=[study.pk])).json()["decision"] is None
    share = ReportShare.objects.create(study=study, label="Board")
    shared = client.get(reverse("report_share_view", args=[share.token])).content.decode()
    assert "No decision recorded yet" not in shared
