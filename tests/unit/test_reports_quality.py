"""Response quality: speeders, SUS straight-liners and sessions without interaction are
flagged; a designer can leave any session out of the results, with a reason, and undo it."""

import uuid

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from prototypes.player import ingestion
from prototypes.reports import quality
from prototypes.reports.exports import raw_tables
from prototypes.reports.heatmaps import click_fingerprints
from prototypes.reports.metrics import build_report
from prototypes.reports.models import ReportExport, SessionExclusion
from prototypes.reports.pages import summary_context
from prototypes.studies import participants
from prototypes.studies.models import Question
from tests import factories


@pytest.fixture
def study(workspace):
    version = factories.published_shop_version(workspace)
    study = factories.StudyFactory(
        workspace=workspace, prototype_version=version, title="Order status"
    )
    screens = {screen.name: screen for screen in version.screens.all()}
    task = factories.TaskFactory(study=study, start_screen=screens["Home"])
    task.goal_screens.set([screens["Account"]])
    factories.QuestionFactory(study=study, kind=Question.Kind.SUS, text="")
    factories.CriterionFactory(study=study, task=task)
    return study


def event(type, t_ms, **fields):
    return {"id": str(uuid.uuid4()), "type": type, "t_ms": t_ms, **fields}


def take_part(study, total_ms=60_000, sus=(4, 2) * 5, click=True):
    """A completed session of `total_ms` that reaches the goal by one click (or just gives up
    without touching anything when `click` is False)."""
    task = study.tasks.get()
    home = task.start_screen
    hotspot = home.hotspots.get(target__name="Account")
    sus_question = study.questions.get(kind=Question.Kind.SUS)
    session = participants.start_session(study)
    events = [event("task_start", 1000, task=task.pk, screen=home.pk)]
    if click:
        events += [
            event("click", 3000, task=task.pk, screen=home.pk, hotspot=hotspot.pk, x=0.5, y=0.5),
            event("navigate", 3000, task=task.pk, screen=hotspot.target_id),
            event("task_end", 3000, task=task.pk, data={"reason": "goal"}),
        ]
    else:
        events.append(event("task_end", 3000, task=task.pk, data={"reason": "gave_up"}))
    if sus is not None:
        events.append(
            event("answer", total_ms - 1, data={"question": sus_question.pk, "value": list(sus)})
        )
    events.append(event("session_end", total_ms))
    ingestion.ingest_events(session.token, events)
    return session


def flags_of(study):
    return {
        item.session.pk: [flag.kind for flag in item.flags]
        for item in quality.review(study).sessions
    }


def test_a_session_under_a_third_of_the_median_is_a_speeder(study):
    normal = [take_part(study, total_ms=60_000 + 1000 * index) for index in range(5)]
    fast = take_part(study, total_ms=15_000)
    flags = flags_of(study)
    assert flags == {fast.pk: [quality.SPEEDER]}
    item = quality.review(study).flagged[0]
    assert "finished in 15 s, under a third of the median 62 s" in item.reason_text
    assert all(session.pk not in flags for session in normal)


def test_nobody_is_a_speeder_before_five_sessions_completed(study):
    for _ in range(3):
        take_part(study, total_ms=60_000)
    take_part(study, total_ms=5_000)
    assert flags_of(study) == {}


def test_the_same_answer_to_all_ten_sus_statements_is_straight_lining(study):
    varied = take_part(study, sus=(4, 2) * 5)
    straight = take_part(study, sus=(3,) * 10)
    flags = flags_of(study)
    assert flags == {straight.pk: [quality.STRAIGHT_LINER]}
    assert varied.pk not in flags
    review = quality.review(study)
    assert "answered 3 to all ten SUS statements" in review.flagged[0].reason_text


def test_a_finished_session_without_any_interaction_is_flagged(study):
    idle = take_part(study, click=False, sus=None)
    take_part(study)
    assert flags_of(study) == {idle.pk: [quality.NO_INTERACTION]}


def test_a_session_still_in_progress_is_not_flagged_for_doing_nothing_yet(study):
    task = study.tasks.get()
    session = participants.start_session(study)
    ingestion.ingest_events(
        session.token, [event("task_start", 1000, task=task.pk, screen=task.start_screen_id)]
    )
    assert flags_of(study) == {}


def test_reviewing_quality_takes_the_same_queries_for_any_number_of_sessions(study):
    take_part(study, sus=(3,) * 10)

    def count():
        with CaptureQueriesContext(connection) as queries:
            quality.review(study)
        return len(queries)

    few = count()
    for index in range(8):
        take_part(study, total_ms=5_000 if index % 2 else 60_000, click=bool(index % 3))
    assert count() == few


# --- Leaving sessions out ----------------------------------------------------------------------


def test_an_excluded_session_is_not_counted_and_is_listed_with_its_reason(study, designer):
    for _ in range(3):
        take_part(study)
    speeder = take_part(study, total_ms=4_000, click=False)
    before = build_report(study)
    assert before.started == 4
    assert before.tasks[0].metrics.n == 4

    quality.exclude_session(speeder, designer, "  Speeder:\n finished in 4 s ")
    report = build_report(study)
    assert report.started == 3
    assert report.completed == 3
    assert report.tasks[0].metrics.n == 3
    assert report.tasks[0].completion.successes == 3
    assert [(note.session_id, note.reason) for note in report.exclusions] == [
        (speeder.pk, "Speeder: finished in 4 s")
    ]
    data = report.as_dict()
    assert data["participants"]["excluded"] == 1
    assert data["exclusions"][0]["reason"] == "Speeder: finished in 4 s"
    assert data["exclusions"][0]["excluded_by"] == designer.email

    assert quality.include_session(speeder)
    assert build_report(study).started == 4
    assert not quality.include_session(speeder)


def test_excluding_again_changes_the_reason(study, designer):
    session = take_part(study)
    quality.exclude_session(session, designer, "First look")
    quality.exclude_session(session, designer, "Straight-liner")
    assert SessionExclusion.objects.get().reason == "Straight-liner"


def test_an_exclusion_needs_a_reason(study, designer):
    session = take_part(study)
    with pytest.raises(ValueError):
        quality.exclude_session(session, designer, "   ")
    assert not SessionExclusion.objects.exists()


def test_the_report_takes_the_same_queries_with_exclusions(study, designer):
    sessions = [take_part(study) for _ in range(3)]

    def count():
        with CaptureQueriesContext(connection) as queries:
            build_report(study)
        return len(queries)

    without = count()
    for session in sessions[:2]:
        quality.exclude_session(session, designer, "Speeder")
    assert count() == without


def test_a_designer_excludes_from_the_results_page_and_undoes_it(client, study, designer):
    speeder = take_part(study, sus=(5,) * 10)
    take_part(study)
    client.force_login(designer)
    results = client.get(reverse("study_results", args=[study.pk]))
    assert results.status_code == 200
    page = results.content.decode()
    assert 'id="quality"' in page
    assert "Straight-liner: answered 5 to all ten SUS statements" in page
    assert reverse("session_exclude", args=[speeder.pk]) in page

    response = client.post(
        reverse("session_exclude", args=[speeder.pk]), {"reason": "Straight-liner on the SUS"}
    )
    assert response.status_code == 302
    assert response["Location"].endswith(reverse("study_results", args=[study.pk]) + "#quality")
    assert SessionExclusion.objects.get(session=speeder).excluded_by == designer

    summary = client.get(reverse("study_summary", args=[study.pk])).content.decode()
    assert "Sessions left out" in summary
    assert f"Session {speeder.pk}: Straight-liner on the SUS" in summary
    assert "1 session left out for response quality" in summary
    report = client.get(reverse("api_report", args=[study.pk])).json()
    assert report["participants"]["started"] == 1
    assert report["exclusions"][0]["session"] == speeder.pk

    client.post(reverse("session_include", args=[speeder.pk]))
    assert not SessionExclusion.objects.exists()
    assert client.get(reverse("api_report", args=[study.pk])).json()["participants"]["started"] == 2


def test_a_blank_reason_excludes_nothing(client, study, designer):
    session = take_part(study)
    client.force_login(designer)
    response = client.post(
        reverse("session_exclude", args=[session.pk]), {"reason": " "}, follow=True
    )
    assert not SessionExclusion.objects.exists()
    assert "still counts" in response.content.decode()


def test_a_viewer_cannot_exclude(client, study, viewer):
    session = take_part(study)
    client.force_login(viewer)
    response = client.post(reverse("session_exclude", args=[session.pk]), {"reason": "Speeder"})
    assert response.status_code == 403
    assert not SessionExclusion.objects.exists()
    page = client.get(reverse("study_results", args=[study.pk])).content.decode()
    assert reverse("session_exclude", args=[session.pk]) not in page


def test_the_pdf_summary_lists_exclusions(study, designer):
    session = take_part(study)
    quality.exclude_session(session, designer, "No interaction at all")
    html = render_to_string(
        "reports/summary_pdf.html", summary_context(build_report(study), for_pdf=True)
    )
    assert f"Session {session.pk}: No interaction at all" in html


def test_raw_data_says_which_sessions_were_left_out(study, designer):
    session = take_part(study)
    quality.exclude_session(session, designer, "Speeder")
    export = ReportExport.objects.create(study=study, kind=ReportExport.Kind.CSV)
    name, columns, rows = raw_tables(export)[0]
    assert name == "sessions"
    assert list(rows)[0][columns.index("excluded_because")] == "Speeder"


def test_the_heatmaps_leave_excluded_sessions_out(study, designer):
    take_part(study)
    left_out = take_part(study)
    home = study.tasks.get().start_screen
    assert click_fingerprints(study)[home.pk].startswith("2-")
    quality.exclude_session(left_out, designer, "Speeder")
    assert click_fingerprints(study)[home.pk].startswith("1-")
