"""Files a study's results leave the product in: the PDF summary and the raw data.

Everything here runs in the ``build_export`` task, which reports its progress on the
ReportExport row as it goes so the page can show a progress bar. Raw data is written row by
row to a temporary file (``iterator()``), so a study with a hundred thousand events never sits
in memory at once.
"""

import csv
import io
import json
import tempfile
import zipfile

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files import File
from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from prototypes.audio.transcripts import transcript_tables
from prototypes.cardsorts.models import Card
from prototypes.moderation.report import wizard_tables
from prototypes.reports.metrics import build_report
from prototypes.reports.models import ReportExport
from prototypes.reports.pages import summary_context
from prototypes.sessions.models import Answer, Comment, Event, ParticipantSession, TaskAttempt
from prototypes.studies.models import Task
from prototypes.studies.outcomes import ON_TARGET, attempt_outcome, first_click_points
from prototypes.treetests.models import TreeNode
from prototypes.webhooks import services as webhooks

CHUNK = 2000
PDF_STYLESHEETS = ("prototypes/reports.css", "prototypes/reports-print.css")
# Spreadsheets run a cell that starts with one of these as a formula; participants' text is
# untrusted, so such cells get a leading apostrophe (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def build(export):
    """Build the export's file, recording progress; the caller handles failures."""
    set_progress(export, 5, status=ReportExport.Status.RUNNING)
    builders = {
        ReportExport.Kind.PDF: build_pdf,
        ReportExport.Kind.CSV: build_csv,
        ReportExport.Kind.JSON: build_json,
    }
    with tempfile.TemporaryFile() as output:
        builders[export.kind](export, output)
        output.seek(0)
        export.file.save(f"export.{export.extension}", File(output), save=False)
    export.status = ReportExport.Status.DONE
    export.progress = 100
    export.error = ""
    export.finished_at = timezone.now()
    export.save(update_fields=["file", "status", "progress", "error", "finished_at"])
    download = settings.SITE_URL + reverse("report_export_download", args=[export.pk])
    webhooks.export_ready(export, export.study, download)


def set_progress(export, progress, status=None):
    changes = {"progress": progress}
    if status:
        changes["status"] = status
    ReportExport.objects.filter(pk=export.pk).update(**changes)
    export.progress = progress


def download_name(export):
    stamp = export.created_at.strftime("%Y-%m-%d")
    return f"{slugify(export.study.title) or 'study'}-{stamp}.{export.extension}"


def build_pdf(export, output):
    # Imported here: WeasyPrint is slow to import and only this task needs it.
    import weasyprint

    report = build_report(export.study, export.revision)
    set_progress(export, 30)
    html = render_to_string(
        "reports/summary_pdf.html",
        summary_context(
            report,
            for_pdf=True,
            approved_only=export.for_stakeholders,
        ),
    )
    set_progress(export, 45)
    # Only data: URIs may be fetched: the summary embeds its pictures, and nothing a
    # participant typed can make the renderer reach the network or the file system.
    fetcher = weasyprint.URLFetcher(allowed_protocols={"data"})
    stylesheets = [
        weasyprint.CSS(filename=finders.find(path), url_fetcher=fetcher) for path in PDF_STYLESHEETS
    ]
    document = weasyprint.HTML(string=html, url_fetcher=fetcher).render(stylesheets=stylesheets)
    set_progress(export, 85)
    document.write_pdf(output)


def raw_tables(export):
    """(name, columns, rows) of every raw-data table, limited to the export's revision."""
    study = export.study
    sessions = ParticipantSession.objects.filter(study=study)
    if export.revision is not None:
        sessions = sessions.filter(revision=export.revision)
    in_sessions = {"session__in": sessions}
    return [
        (
            "sessions",
            (
                "id",
                "revision",
                "state",
                "language",
                "share_link",
                "consent_version",
                "consented_at",
                "started_at",
                "finished_at",
                "external_participant_id",
                "is_simulated",
                "excluded_because",
            ),
            sessions.order_by("started_at", "id").values_list(
                "id",
                "revision",
                "state",
                "language",
                "share_link__name",
                "consent_version",
                "consented_at",
                "started_at",
                "finished_at",
                "external_participant_id",
                "is_simulated",
                "exclusion__reason",
            ),
        ),
        (
            "task_attempts",
            (
                "id",
                "session",
                "task",
                "task_position",
                "outcome",
                "started_ms",
                "ended_ms",
                "clicks",
                "misclicks",
                "first_click_success",
                "seq",
                "path",
            ),
            AttemptRows(
                study,
                sessions,
                TaskAttempt.objects.filter(**in_sessions)
                .order_by("session_id", "task__position", "id")
                .values_list(
                    "id",
                    "session_id",
                    "task_id",
                    "task__position",
                    "outcome",
                    "started_ms",
                    "ended_ms",
                    "clicks",
                    "misclicks",
                    "first_click_success",
                    "seq",
                    "path",
                ),
            ),
        ),
        (
            "events",
            (
                "id",
                "uuid",
                "session",
                "type",
                "t_ms",
                "task",
                "screen",
                "hotspot",
                "x",
                "y",
                "data",
                "received_at",
            ),
            Event.objects.filter(**in_sessions)
            .order_by("session_id", "t_ms", "id")
            .values_list(
                "id",
                "uuid",
                "session_id",
                "type",
                "t_ms",
                "task_id",
                "screen_id",
                "hotspot_id",
                "x",
                "y",
                "data",
                "received_at",
            ),
        ),
        (
            "answers",
            ("id", "session", "question", "question_kind", "value", "answered_at"),
            Answer.objects.filter(**in_sessions)
            .order_by("session_id", "question__position", "id")
            .values_list(
                "id", "session_id", "question_id", "question__kind", "value", "answered_at"
            ),
        ),
        (
            "comments",
            ("id", "session", "task", "screen", "x", "y", "text", "created_at"),
            Comment.objects.filter(**in_sessions)
            .order_by("created_at", "id")
            .values_list(
                "id", "session_id", "task_id", "screen_id", "x", "y", "text", "created_at"
            ),
        ),
        # What tree_step and card_place events name (ids), in words.
        (
            "tree_nodes",
            ("id", "parent", "label", "depth", "position"),
            TreeNode.objects.filter(version_id=study.prototype_version_id)
            .order_by("position", "id")
            .values_list("id", "parent_id", "label", "depth", "position"),
        ),
        (
            "cards",
            ("id", "task", "text", "position"),
            Card.objects.filter(task__study=study)
            .order_by("task__position", "position", "id")
            .values_list("id", "task_id", "text", "position"),
        ),
        # What participants said aloud, as text: transcripts and the clips marked in them.
        *transcript_tables(sessions),
        # Who answered each Wizard of Oz turn of a moderated session: the wizard or the script.
        *wizard_tables(sessions, timezone.now()),
    ]


class AttemptRows:
    """The task_attempts table's rows, each outcome told by ``attempt_outcome`` (a first-click
    test's miss is "missed", not the "direct" end of its activity) and streamed like the others.
    A first-click test's first_click_success is whether its first click was on target."""

    def __init__(self, study, sessions, rows):
        self.study = study
        self.sessions = sessions
        self.rows = rows

    def iterator(self, chunk_size):
        tasks = {task.pk: task for task in self.study.tasks.all()}
        first_clicks = first_click_points(self.sessions, tasks.values())
        for (
            pk,
            session_id,
            task_id,
            position,
            outcome,
            *timing,
            success,
            seq,
            path,
        ) in self.rows.iterator(chunk_size=chunk_size):
            task = tasks[task_id]
            shown = attempt_outcome(task, outcome, first_clicks.get((session_id, task_id)))
            if task.kind == Task.Kind.FIRST_CLICK and shown.succeeded is not None:
                success = shown.value == ON_TARGET
            yield (pk, session_id, task_id, position, shown.value, *timing, success, seq, path)


def build_csv(export, output):
    """A ZIP with one CSV file per table."""
    tables = raw_tables(export)
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for done, (name, columns, rows) in enumerate(tables):
            with archive.open(f"{name}.csv", "w") as member:
                text = io.TextIOWrapper(member, encoding="utf-8", newline="")
                writer = csv.writer(text)
                writer.writerow(columns)
                for row in rows.iterator(chunk_size=CHUNK):
                    writer.writerow([csv_cell(value) for value in row])
                text.flush()
                text.detach()
            set_progress(export, 10 + 85 * (done + 1) // len(tables))


def csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    elif hasattr(value, "isoformat"):
        return value.isoformat()
    elif not isinstance(value, str):
        return value
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def build_json(export, output):
    """One JSON document: the study, then every table as a list of objects."""
    study = export.study
    tables = raw_tables(export)
    text = io.TextIOWrapper(output, encoding="utf-8")
    header = {
        "study": {
            "id": study.pk,
            "title": study.title,
            "revision": study.revision,
            "exported_at": timezone.now(),
            "revision_filter": export.revision,
        }
    }
    text.write(json.dumps(header, cls=DjangoJSONEncoder)[:-1])
    for done, (name, columns, rows) in enumerate(tables):
        text.write(f', "{name}": [')
        for index, row in enumerate(rows.iterator(chunk_size=CHUNK)):
            if index:
                text.write(", ")
            text.write(json.dumps(dict(zip(columns, row, strict=True)), cls=DjangoJSONEncoder))
        text.write("]")
        set_progress(export, 10 + 85 * (done + 1) // len(tables))
    text.write("}")
    text.flush()
    text.detach()
