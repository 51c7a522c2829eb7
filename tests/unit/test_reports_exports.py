"""PDF and raw-data exports, built in the background, and report.json."""

import csv
import io
import json
import zipfile

import pytest
from django.urls import reverse

from prototypes.models import Job, ReportExport, ReportShare
from prototypes.reports.tasks import build_export
from tests import factories
from tests.unit.test_reports_views import make_study

TABLES = ["sessions", "task_attempts", "events", "answers", "comments"]
# Empty for a study on screens: the labels and cards tree tests' and card sorts' events name.
NAVIGATION_TABLES = ["tree_nodes", "cards"]
# Empty for a study without think-aloud recordings.
VOICE_TABLES = ["transcript_segments", "audio_clips"]
# Empty for a study without moderated Wizard of Oz sessions.
WIZARD_TABLES = ["wizard_turns"]


@pytest.fixture
def study(workspace):
    return make_study(workspace, title="Order status")


def export_through_the_page(client, study, kind, capture):
    with capture(execute=True):
        response = client.post(reverse("report_export_create", args=[study.pk]), {"kind": kind})
    assert response.status_code == 302
    export = ReportExport.objects.latest("created_at")
    assert response["Location"] == reverse("report_export_status", args=[export.pk])
    export.refresh_from_db()
    return export


def download(client, export):
    response = client.get(reverse("report_export_download", args=[export.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    return b"".join(response.streaming_content)


def test_pdf_export_is_built_in_the_background_and_downloaded(
    client, viewer, study, django_capture_on_commit_callbacks
):
    client.force_login(viewer)
    export = export_through_the_page(client, study, "pdf", django_capture_on_commit_callbacks)
    assert (export.status, export.progress, export.error) == ("done", 100, "")
    assert Job.objects.get().state == Job.State.DONE
    content = download(client, export)
    assert content.startswith(b"%PDF")
    assert response_name(client, export).endswith(".pdf")


def response_name(client, export):
    response = client.get(reverse("report_export_download", args=[export.pk]))
    return response["Content-Disposition"].split("filename=")[1].strip('"')


def test_pdf_says_what_the_summary_says(study, settings):
    import pypdfium2

    export = ReportExport.objects.create(study=study, kind="pdf")
    build_export.delay(export.pk)
    export.refresh_from_db()
    pdf = pypdfium2.PdfDocument(export.file.open("rb").read())
    text = " ".join(" ".join(page.get_textpage().get_text_range().split()) for page in pdf)
    for expected in ["NOT YET", study.problem.title, "Success criteria", "Comment 0 about direct"]:
        assert expected in text, expected


def test_csv_export_is_a_zip_with_every_table(
    client, viewer, study, django_capture_on_commit_callbacks
):
    client.force_login(viewer)
    export = export_through_the_page(client, study, "csv", django_capture_on_commit_callbacks)
    archive = zipfile.ZipFile(io.BytesIO(download(client, export)))
    assert sorted(archive.namelist()) == sorted(
        f"{table}.csv" for table in TABLES + NAVIGATION_TABLES + VOICE_TABLES + WIZARD_TABLES
    )
    rows = {
        table: list(csv.DictReader(io.TextIOWrapper(archive.open(f"{table}.csv"), "utf-8")))
        for table in TABLES
    }
    assert [len(rows[table]) for table in TABLES] == [3, 3, 3, 3, 3]
    assert {row["revision"] for row in rows["sessions"]} == {"1"}
    assert json.loads(rows["answers"][0]["value"]) == [4, 2] * 5
    assert rows["task_attempts"][0]["outcome"] in ("direct", "gave_up")


def test_csv_cells_that_look_like_formulas_are_neutralised(study):
    session = study.sessions.first()
    factories.CommentFactory(session=session, screen=study.tasks.get().start_screen, text="=1+1")
    export = ReportExport.objects.create(study=study, kind="csv")
    build_export.delay(export.pk)
    export.refresh_from_db()
    archive = zipfile.ZipFile(export.file.open("rb"))
    comments = list(csv.DictReader(io.TextIOWrapper(archive.open("comments.csv"), "utf-8")))
    assert "'=1+1" in [row["text"] for row in comments]


def test_json_export_contains_every_table(
    client, viewer, study, django_capture_on_commit_callbacks
):
    client.force_login(viewer)
    export = export_through_the_page(client, study, "json", django_capture_on_commit_callbacks)
    data = json.loads(download(client, export))
    assert data["study"]["id"] == study.pk
    for table in TABLES:
        assert len(data[table]) == 3, table
    assert data["events"][0]["x"] == 0.3
    assert data["task_attempts"][0]["path"] == [study.tasks.get().start_screen_id]


def test_a_finished_export_is_not_built_again(study):
    export = ReportExport.objects.create(study=study, kind="json")
    build_export.delay(export.pk)
    export.refresh_from_db()
    name = export.file.name
    assert build_export.delay(export.pk).get(disable_sync_subtasks=False) == "nothing to do"
    export.refresh_from_db()
    assert export.file.name == name


def test_a_failed_export_says_so(study, monkeypatch):
    from prototypes.reports import exports

    def broken(export, output):
        raise RuntimeError("disk full")

    monkeypatch.setitem(exports.__dict__, "build_json", broken)
    export = ReportExport.objects.create(study=study, kind="json")
    build_export.delay(export.pk)
    export.refresh_from_db()
    assert export.status == "failed"
    assert "could not be built" in export.error
    assert not export.file


def test_progress_is_polled_until_the_download_link_appears(client, viewer, study):
    client.force_login(viewer)
    export = ReportExport.objects.create(study=study, kind="pdf", status="running", progress=45)
    url = reverse("report_export_status", args=[export.pk])
    html = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 1s"' in html
    assert 'value="45"' in html
    assert "<html" not in html
    assert client.get(reverse("report_export_download", args=[export.pk])).status_code == 409

    ReportExport.objects.filter(pk=export.pk).update(status="done", progress=100)
    html = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in html
    assert reverse("report_export_download", args=[export.pk]) in html


def test_exports_are_never_served_from_a_public_media_url(client, viewer, study):
    client.force_login(viewer)
    export = ReportExport.objects.create(study=study, kind="json")
    build_export.delay(export.pk)
    html = client.get(reverse("study_results", args=[study.pk])).content.decode()
    export.refresh_from_db()
    assert export.file.name not in html
    assert "/media/" not in html


# --- report.json -----------------------------------------------------------------------------


def check_schema(data):
    assert set(data) == {
        "study",
        "revision",
        "revisions",
        "participants",
        "verdict",
        "criteria",
        "tasks",
        "sus",
        "funnel",
        "questions",
        "friction",
        "comments",
        "changes",
        "exclusions",
        "concepts",
        "decision",
        "wizard",
    }
    assert set(data["study"]) >= {"id", "title", "confidence", "problem", "concept", "hypothesis"}
    assert data["verdict"] in ("GO", "NO-GO", "NOT YET")
    criterion = data["criteria"][0]
    assert set(criterion) >= {
        "metric",
        "comparison",
        "threshold",
        "must_have",
        "verdict",
        "estimate",
        "low",
        "high",
        "n",
        "more_participants",
        "settled_at_n",
        "anytime_valid",
    }
    task = data["tasks"][0]
    for measure in ["completion", "direct_success", "misclick", "first_click"]:
        assert set(task[measure]) == {"value", "low", "high", "n", "successes", "trials"}
    assert set(task["time_on_task"]) == {"value", "low", "high", "n"}
    assert set(data["sus"]) == {"mean", "low", "high", "grade", "n"}


def test_report_json_for_members(client, viewer, study):
    client.force_login(viewer)
    response = client.get(reverse("api_report", args=[study.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    check_schema(data)
    assert data["participants"] == {"started": 3, "completed": 3, "screened_out": 0, "excluded": 0}
    assert data["tasks"][0]["completion"]["successes"] == 2
    assert data["study"]["confidence"] == 0.9


def test_report_json_with_a_report_link_token(client, study):
    share = ReportShare.objects.create(study=study)
    url = reverse("api_report", args=[study.pk])
    assert client.get(url).status_code == 404
    response = client.get(url, {"token": share.token})
    assert response.status_code == 200
    check_schema(response.json())

    other = factories.StudyFactory(workspace=study.workspace)
    assert (
        client.get(reverse("api_report", args=[other.pk]), {"token": share.token}).status_code
        == 404
    )
    share.revoked_at = share.created_at
    share.save()
    assert client.get(url, {"token": share.token}).status_code == 404
