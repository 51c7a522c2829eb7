"""One outcome per attempt, told by its task's kind, wherever an attempt is shown or exported."""

import csv
import io
import json
import uuid
import zipfile

import pytest
from django.urls import reverse

from prototypes.authoring.demo import create_demo_prototypes
from prototypes.models import ReportExport
from prototypes.player import ingestion
from prototypes.player.demo import simulate_participants
from prototypes.recruitment import privacy
from prototypes.reports.metrics import build_report
from prototypes.reports.replay import replay_data, session_table
from prototypes.reports.tasks import build_export
from prototypes.studies import participants
from prototypes.studies.demo import FIRST_IMPRESSIONS, create_demo_study
from prototypes.studies.models import Study, Task
from prototypes.studies.outcomes import attempt_outcome
from prototypes.studies.services import study_progress
from tests import factories


def event(type, t_ms, **fields):
    return {"id": str(uuid.uuid4()), "type": type, "t_ms": t_ms, **fields}


@pytest.fixture
def first_click_task(workspace):
    version = factories.published_shop_version(workspace)
    study = factories.StudyFactory(workspace=workspace, prototype_version=version)
    home = version.screens.get(name="Home")
    task = factories.TaskFactory(
        study=study,
        kind=Task.Kind.FIRST_CLICK,
        start_screen=home,
        target_x=0.6,
        target_y=0.8,
        target_width=0.3,
        target_height=0.2,
    )
    task.goal_screens.set([home])
    return task


def tap(task, x, y, participant_id):
    session = participants.start_session(task.study, participant_id=participant_id)
    screen = task.start_screen.pk
    ingestion.ingest_events(
        session.token,
        [
            event("task_start", 1000, task=task.pk, screen=screen),
            event("misclick", 3000, task=task.pk, screen=screen, x=x, y=y),
            event("task_end", 3100, task=task.pk, data={"reason": "done"}),
            event("session_end", 5000),
        ],
    )
    return session


@pytest.fixture
def missed_and_hit(first_click_task):
    missed = tap(first_click_task, 0.1, 0.1, "MISSED")
    hit = tap(first_click_task, 0.7, 0.9, "HIT")
    return first_click_task, missed, hit


def test_a_first_click_outside_the_target_is_a_miss_in_the_sessions_table(missed_and_hit):
    task, missed, hit = missed_and_hit
    page = session_table(task.study, [task], "1")
    cells = {row.session.pk: row.cells[0] for row in page.rows}
    assert (cells[missed.pk].outcome, cells[missed.pk].label) == (
        "missed",
        "First click missed the target",
    )
    assert (cells[hit.pk].outcome, cells[hit.pk].label) == ("on_target", "First click on target")


def test_the_results_page_never_calls_a_missed_first_click_a_direct_success(
    client, viewer, missed_and_hit
):
    task, _, _ = missed_and_hit
    client.force_login(viewer)
    page = client.get(reverse("study_results", args=[task.study.pk])).content.decode()
    assert "First click missed the target" in page
    assert "outcome-text-missed" in page
    assert "Direct success 2 s" not in page


def test_the_study_page_progress_counts_hits_and_misses_not_direct_successes(
    designer_client, missed_and_hit
):
    task, _, _ = missed_and_hit
    [row] = study_progress(task.study).tasks
    assert row.kind_counts == [
        ("on_target", "First click on target", 1),
        ("missed", "First click missed the target", 1),
    ]
    assert [segment[:3] for segment in row.segments] == [
        ("on_target", "First click on target", 1),
        ("missed", "First click missed the target", 1),
    ]
    page = designer_client.get(reverse("study_detail", args=[task.study.pk])).content.decode()
    assert "First click missed the target: 1" in page
    assert "Direct success: 2" not in page


def test_the_replay_names_the_miss(missed_and_hit):
    task, missed, hit = missed_and_hit
    assert replay_data(missed)["tasks"][str(task.pk)]["outcome"] == "First click missed the target"
    assert replay_data(hit)["tasks"][str(task.pk)]["outcome"] == "First click on target"


def test_the_participant_export_says_missed_not_direct(missed_and_hit, workspace):
    task, _, _ = missed_and_hit
    data = privacy.export_participant(workspace, "MISSED")
    [attempt] = data["sessions"][0]["attempts"]
    assert attempt["outcome"] == "missed"
    assert attempt["outcome_label"] == "First click missed the target"
    assert attempt["misclicks"] == 1


@pytest.mark.parametrize("kind", ["csv", "json"])
def test_the_raw_data_export_says_missed_not_direct(missed_and_hit, kind):
    task, missed, hit = missed_and_hit
    export = ReportExport.objects.create(study=task.study, kind=kind)
    build_export.delay(export.pk)
    export.refresh_from_db()
    if kind == "csv":
        archive = zipfile.ZipFile(export.file.open("rb"))
        rows = csv.DictReader(io.TextIOWrapper(archive.open("task_attempts.csv"), "utf-8"))
        outcomes = {
            int(row["session"]): (row["outcome"], row["first_click_success"]) for row in rows
        }
        assert outcomes == {missed.pk: ("missed", "false"), hit.pk: ("on_target", "true")}
    else:
        data = json.loads(export.file.open("rb").read())
        outcomes = {
            row["session"]: (row["outcome"], row["first_click_success"])
            for row in data["task_attempts"]
        }
        assert outcomes == {missed.pk: ("missed", False), hit.pk: ("on_target", True)}


def test_the_aggregate_and_every_attempt_agree_in_the_demo_first_click_study(owner, workspace):
    versions = create_demo_prototypes(workspace, owner)
    create_demo_study(workspace, owner, versions["shop"])
    study = Study.objects.get(title=FIRST_IMPRESSIONS["title"])
    simulate_participants(study, count=13)
    tasks = list(study.tasks.order_by("position"))
    first_click = next(task for task in tasks if task.kind == Task.Kind.FIRST_CLICK)
    result = next(
        report.first_click_result
        for report in build_report(study).tasks
        if report.task == first_click
    )
    page = session_table(study, tasks, "1")
    column = tasks.index(first_click)
    shown = [row.cells[column].outcome for row in page.rows if row.cells[column]]
    assert 0 < result.hits < result.clicks == len(shown)
    assert shown.count("on_target") == result.hits
    assert shown.count("missed") == result.clicks - result.hits
    assert "direct" not in shown


def test_each_kind_names_what_its_attempt_achieved():
    kinds = {kind: Task(kind=kind) for kind in Task.Kind.values}
    assert attempt_outcome(kinds["five_second"], "direct").label == "Saw the screen"
    assert attempt_outcome(kinds["preference"], "direct").label == "Chose an option"
    assert attempt_outcome(kinds["clickthrough"], "indirect").label == "Indirect success"
    assert attempt_outcome(kinds["first_click"], "direct").value == "missed"
    assert attempt_outcome(kinds["first_click"], "timed_out").value == "timed_out"
    assert attempt_outcome(kinds["first_click"], "").label == "In progress"
