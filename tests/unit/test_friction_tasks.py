"""The import of a mapped export as a background job: its progress, its status page, its
refusals (nothing half-imported) and a second delivery of the job."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from prototypes.friction import analysis, services, tasks
from prototypes.friction.models import EvidenceImport, Item, Theme
from prototypes.jobs import Job
from tests.friction_corpus import labelled_inbox


def export_of(count):
    texts = [text.replace('"', '""') for text, _ in labelled_inbox(seed=7)][:count]
    lines = "".join(f'{i},"{text}",2026-02-{i % 27 + 1:02d}\n' for i, text in enumerate(texts))
    return ("id,text,date\n" + lines).encode()


def upload_through_the_pages(designer_client, data):
    response = designer_client.post(
        reverse("evidence_upload"), {"file": SimpleUploadedFile("tickets.csv", data)}
    )
    staged = EvidenceImport.objects.get()
    assert response.url == reverse("evidence_mapping", args=[staged.pk])
    return staged


def confirm_mapping(designer_client, staged, capture, mapping):
    with capture(execute=True):
        response = designer_client.post(reverse("evidence_mapping", args=[staged.pk]), mapping)
    assert response.status_code == 302
    assert response.url == reverse("evidence_import_status", args=[staged.pk])
    return designer_client.get(response.url).content.decode()


def test_the_job_records_rows_read_then_grouping_in_writes_of_their_own(workspace, monkeypatch):
    staged = services.stage(workspace, None, SimpleUploadedFile("t.csv", export_of(120)))
    staged.status = EvidenceImport.Status.PENDING
    staged.save()
    monkeypatch.setattr(services, "PROGRESS_EVERY", 25)
    seen = []
    mask, store = analysis.mask, services._store

    def watching_mask(text):
        row = EvidenceImport.objects.values("status", "step", "rows_read").get(pk=staged.pk)
        if not seen or seen[-1] != row:
            seen.append(row)
        return mask(text)

    def watching_store(plan):
        seen.append(EvidenceImport.objects.values("status", "step", "rows_read").get(pk=staged.pk))
        return store(plan)

    monkeypatch.setattr(analysis, "mask", watching_mask)
    monkeypatch.setattr(services, "_store", watching_store)
    assert (
        tasks.import_evidence.apply(args=[staged.pk]).get(disable_sync_subtasks=False) == "imported"
    )

    running = [(row["step"], row["rows_read"]) for row in seen]
    assert running == [
        ("reading", 0),
        ("reading", 25),
        ("reading", 50),
        ("reading", 75),
        ("reading", 100),
        ("grouping", 120),
    ]
    assert {row["status"] for row in seen} == {"running"}
    staged.refresh_from_db()
    assert (staged.status, staged.imported_count, staged.data) == ("done", 120, b"")
    assert Item.objects.filter(workspace=workspace).count() == 120
    # A second delivery of the same job finds the import done and changes nothing.
    assert (
        tasks.import_evidence.apply(args=[staged.pk]).get(disable_sync_subtasks=False)
        == "nothing to do"
    )
    assert Item.objects.filter(workspace=workspace).count() == 120


def test_the_mapping_page_answers_at_once_and_its_status_page_shows_the_finished_import(
    designer_client, workspace, django_capture_on_commit_callbacks
):
    staged = upload_through_the_pages(designer_client, export_of(60))
    page = confirm_mapping(
        designer_client,
        staged,
        django_capture_on_commit_callbacks,
        {"text": "text", "date": "date"},
    )
    assert "Imported." in page and "60 items added" in page
    assert reverse("friction_inbox") in page and "hx-trigger" not in page
    job = Job.objects.get()
    assert (job.task_name, job.args, job.state) == (
        "prototypes.friction.import_evidence",
        [staged.pk],
        "done",
    )
    assert Item.objects.filter(workspace=workspace).count() == 60
    # Once imported, the mapping page sends the designer to the import's status.
    again = designer_client.get(reverse("evidence_mapping", args=[staged.pk]))
    assert again.url == reverse("evidence_import_status", args=[staged.pk])


def test_a_running_import_polls_its_progress_and_works_without_javascript(
    designer_client, workspace
):
    staged = services.stage(workspace, None, SimpleUploadedFile("t.csv", export_of(60)))
    EvidenceImport.objects.filter(pk=staged.pk).update(
        status=EvidenceImport.Status.RUNNING, step=EvidenceImport.Step.READING, rows_read=30
    )
    url = reverse("evidence_import_status", args=[staged.pk])
    page = designer_client.get(url).content.decode()
    assert '<progress value="30" max="60"' in page and "30 of 60" in page
    assert 'hx-trigger="every 1s"' in page
    assert '<noscript><meta http-equiv="refresh"' in page and ">Refresh</a>" in page
    partial = designer_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert partial.lstrip().startswith('<div class="import-status import-running"')
    assert "<h1>" not in partial
    EvidenceImport.objects.filter(pk=staged.pk).update(step=EvidenceImport.Step.GROUPING)
    partial = designer_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "grouping into themes" in partial


def test_a_failing_row_leaves_nothing_and_its_line_and_reason_show_on_the_status_page(
    designer_client, workspace, django_capture_on_commit_callbacks
):
    data = export_of(40) + b"41,Where is my order,yesterday-ish\n"
    staged = upload_through_the_pages(designer_client, data)
    page = confirm_mapping(
        designer_client,
        staged,
        django_capture_on_commit_callbacks,
        {"text": "text", "date": "date"},
    )
    assert "Nothing was imported." in page
    assert "Line 42: “yesterday-ish” in column “date” is not a date" in page
    assert 'role="alert"' in page and "hx-trigger" not in page
    assert not Item.objects.exists() and not Theme.objects.exists()
    staged.refresh_from_db()
    assert (staged.status, staged.imported_at) == ("failed", None)
    assert staged.data, "the file is kept so that its columns can be checked again"
    # The designer maps the columns again, without the date, and the import goes through.
    assert designer_client.get(reverse("evidence_mapping", args=[staged.pk])).status_code == 200
    page = confirm_mapping(
        designer_client, staged, django_capture_on_commit_callbacks, {"text": "text"}
    )
    assert "41 items added" in page
    assert Item.objects.count() == 41


def test_an_inbox_changed_during_the_grouping_refuses_the_import_whole(workspace, monkeypatch):
    services.add_items(
        workspace,
        [
            services.exports.Row(line=i, text=text)
            for i, (text, _) in enumerate(labelled_inbox(seed=2))
        ],
        "Notes",
    )
    staged = services.stage(workspace, None, SimpleUploadedFile("t.csv", export_of(60)))
    staged.status = EvidenceImport.Status.PENDING
    staged.save()
    before = Item.objects.count()
    store = services._store

    def merging_first(plan):
        # The designer merges every theme while the import is being grouped.
        Theme.objects.filter(workspace=workspace).delete()
        return store(plan)

    monkeypatch.setattr(services, "_store", merging_first)
    assert (
        tasks.import_evidence.apply(args=[staged.pk]).get(disable_sync_subtasks=False) == "refused"
    )
    staged.refresh_from_db()
    assert staged.status == "failed" and "The inbox changed" in staged.error
    assert Item.objects.count() == before


def test_a_job_that_crashes_marks_the_import_failed_with_a_plain_message(workspace, monkeypatch):
    staged = services.stage(workspace, None, SimpleUploadedFile("t.csv", export_of(20)))
    staged.status = EvidenceImport.Status.PENDING
    staged.save()

    def crash(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services, "_store", crash)
    tasks.import_evidence.apply(args=[staged.pk])
    staged.refresh_from_db()
    assert staged.status == "failed" and staged.error == tasks.FAILED_MESSAGE
    assert not Item.objects.exists()


def test_the_status_page_of_a_file_not_yet_mapped_leads_to_its_mapping(designer_client, workspace):
    staged = services.stage(workspace, None, SimpleUploadedFile("t.csv", export_of(5)))
    response = designer_client.get(reverse("evidence_import_status", args=[staged.pk]))
    assert response.url == reverse("evidence_mapping", args=[staged.pk])
