"""A stakeholder with a summary link gets its PDF without an account: built in the background,
followed and downloaded through the link's token, and nothing else reached through it."""

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from prototypes.models import ReportExport, ReportShare
from tests.unit.test_reports_views import make_study

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def study(workspace):
    return make_study(workspace, title="Order status")


@pytest.fixture
def share(study):
    return ReportShare.objects.create(study=study, label="Board")


def status_url(share, export):
    return reverse("report_share_export_status", args=[share.token, export.pk])


def download_url(share, export):
    return reverse("report_share_export_download", args=[share.token, export.pk])


def test_the_shared_summary_offers_the_pdf(client, share):
    html = client.get(reverse("report_share_view", args=[share.token])).content.decode()
    assert reverse("report_share_export_create", args=[share.token]) in html
    assert "Download as PDF" in html


def test_a_stakeholder_has_the_pdf_built_and_downloads_it(
    client, share, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("report_share_export_create", args=[share.token]))
    export = ReportExport.objects.get()
    assert (export.study, export.kind, export.requested_by) == (share.study, "pdf", None)
    assert response["Location"] == status_url(share, export)
    export.refresh_from_db()
    assert export.status == "done"

    page = client.get(status_url(share, export))
    assert page["Cache-Control"] == "private, no-store"
    assert download_url(share, export) in page.content.decode()
    response = client.get(download_url(share, export))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_progress_is_followed_through_the_link(client, share):
    response = client.post(reverse("report_share_export_create", args=[share.token]), headers=HTMX)
    export = ReportExport.objects.get()
    html = response.content.decode()
    # Waiting for a worker: the fragment polls the link's own status URL.
    assert f'hx-get="{status_url(share, export)}"' in html
    assert "<progress" in html and "<html" not in html
    assert client.get(download_url(share, export)).status_code == 409

    export.status, export.progress = "done", 100
    export.file.save("summary.pdf", ContentFile(b"%PDF-1.7 test"))
    html = client.get(status_url(share, export), headers=HTMX).content.decode()
    assert "hx-trigger" not in html
    assert download_url(share, export) in html


def test_the_link_reaches_only_its_own_study_pdfs(client, share, study, workspace):
    other = make_study(workspace, title="Checkout")
    elsewhere = ReportExport.objects.create(study=other, kind="pdf")
    raw_data = ReportExport.objects.create(study=study, kind="csv", status="done")
    for export in (elsewhere, raw_data):
        assert client.get(status_url(share, export)).status_code == 404
        assert client.get(download_url(share, export)).status_code == 404


def test_a_revoked_link_builds_and_serves_nothing(client, share):
    export = ReportExport.objects.create(study=share.study, kind="pdf", status="done")
    share.revoked_at = timezone.now()
    share.save()
    assert client.post(reverse("report_share_export_create", args=[share.token])).status_code == 404
    assert client.get(status_url(share, export)).status_code == 404
    assert client.get(download_url(share, export)).status_code == 404
    assert ReportExport.objects.count() == 1


def test_builds_through_one_link_are_capped(client, share, rate_limit_clock):
    url = reverse("report_share_export_create", args=[share.token])
    statuses = [client.post(url).status_code for _ in range(21)]
    assert statuses[:20] == [302] * 20
    assert statuses[20] == 429
    assert ReportExport.objects.count() == 20
