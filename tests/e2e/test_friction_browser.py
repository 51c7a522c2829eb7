"""A designer imports a ticket export, reviews its themes, merges two, promotes one and finds
it on the Problem page; every friction page is axe-clean on a laptop and a phone."""

from unittest.mock import patch

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from prototypes.friction.models import EvidenceImport, Theme
from prototypes.friction.tasks import import_evidence
from prototypes.jobs import Job
from tests import factories
from tests.e2e import axe
from tests.friction_corpus import labelled_inbox

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def zendesk_export(tmp_path):
    lines = ["Id,Requester,Requester email,Subject,Description,Created at,Organization"]
    for number, (text, _) in enumerate(labelled_inbox(seed=3, noise=10, near_duplicates=10)):
        text = text.replace('"', '""')
        lines.append(
            f'{number},Customer,c{number}@example.com,Help,"{text} Call me on +33 6 12 34 56 '
            f'{number % 90 + 10:02d}",2026-0{number % 6 + 1}-1{number % 9} 10:00:00,Retail'
        )
    path = tmp_path / "zendesk.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_import_review_merge_promote_and_see_it_on_the_problem_page(
    live_server, page, log_in, tmp_path
):
    membership = factories.MembershipFactory(role="designer")
    log_in(page, membership.user)

    page.goto(live_server.url + reverse("friction_inbox"))
    axe.assert_accessible(page, "empty evidence inbox")
    page.get_by_role("button", name="Import a CSV export").click()
    page.get_by_label("CSV export").set_input_files(zendesk_export(tmp_path))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_text("recognised as")).to_contain_text("Zendesk tickets")
    expect(page.locator("table.preview")).not_to_contain_text("@example.com")
    axe.assert_accessible(page, "column mapping")
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Importing zendesk.csv")
    expect(page.locator(".import-status")).to_contain_text("Imported.")
    expect(page.locator(".import-status")).to_contain_text("items added")
    axe.assert_accessible(page, "finished import")
    page.get_by_role("link", name="See the themes").click()
    top_three = page.get_by_role("heading", name="The three frictions worth a prototype")
    expect(top_three).to_be_visible()
    axe.assert_accessible(page, "evidence inbox with themes")

    themes = list(Theme.objects.filter(workspace=membership.workspace).order_by("-size"))
    assert len(themes) >= 3
    first, second = themes[0], themes[1]
    page.locator("#themes").get_by_role("link", name=first.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(first.name)
    expect(page.locator("#quotes blockquote").first).to_be_visible()
    expect(page.locator("#items")).not_to_contain_text("12 34 56")
    axe.assert_accessible(page, "theme page")

    page.get_by_label("Merge these themes into this one").select_option(str(second.pk))
    page.get_by_role("button", name="Merge").click()
    expect(page.locator(".messages")).to_contain_text("Merged")
    assert not Theme.objects.filter(pk=second.pk).exists()
    page.get_by_label("Name").fill("Where is my order, or my money")
    page.get_by_role("button", name="Rename").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Where is my order, or my money")

    page.get_by_role("button", name="Promote to a problem").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Where is my order, or my money")
    first.refresh_from_db()
    friction = page.locator("#friction")
    expect(friction).to_contain_text(f"{first.size} customers hit this")
    expect(page.locator("dl.problem")).to_contain_text(f"{first.size:,} distinct items")
    axe.assert_accessible(page, "problem page with its friction")


def test_friction_pages_fit_a_phone(live_server, phone_page, log_in, tmp_path):
    membership = factories.MembershipFactory(role="designer")
    log_in(phone_page, membership.user)
    phone_page.goto(live_server.url + reverse("evidence_upload"))
    phone_page.get_by_label("CSV export").set_input_files(zendesk_export(tmp_path))
    phone_page.get_by_role("button", name="Check the file").click()
    axe.assert_accessible(phone_page, "column mapping on a phone")
    phone_page.get_by_role("button", name="Import").click()
    expect(phone_page.locator(".import-status")).to_contain_text("Imported.")
    phone_page.get_by_role("link", name="See the themes").click()
    axe.assert_accessible(phone_page, "evidence inbox on a phone")
    theme = Theme.objects.filter(workspace=membership.workspace).first()
    phone_page.goto(live_server.url + reverse("theme_detail", args=[theme.pk]))
    axe.assert_accessible(phone_page, "theme page on a phone")


def test_the_import_status_page_shows_progress_and_reaches_done_by_polling(
    live_server, page, log_in, tmp_path, settings
):
    """With a worker elsewhere, the mapping page answers at once; the status page polls the
    import (run here by hand, as a worker would) until it is done."""
    membership = factories.MembershipFactory(role="designer")
    log_in(page, membership.user)
    page.goto(live_server.url + reverse("evidence_upload"))
    page.get_by_label("CSV export").set_input_files(zendesk_export(tmp_path))
    page.get_by_role("button", name="Check the file").click()
    with patch.object(Job, "send", lambda job: True):
        page.get_by_role("button", name="Import").click()
        status = page.locator(".import-status")
        expect(status).to_contain_text("Waiting to start")
    axe.assert_accessible(page, "import waiting to start")
    evidence_import = EvidenceImport.objects.get(workspace=membership.workspace)
    EvidenceImport.objects.filter(pk=evidence_import.pk).update(
        status=EvidenceImport.Status.RUNNING, step=EvidenceImport.Step.READING, rows_read=100
    )
    expect(status).to_contain_text(f"100 of {evidence_import.row_count}")
    expect(status.locator("progress")).to_have_attribute("value", "100")
    axe.assert_accessible(page, "import reading rows")
    EvidenceImport.objects.filter(pk=evidence_import.pk).update(
        status=EvidenceImport.Status.PENDING
    )
    assert (
        import_evidence.apply(args=[evidence_import.pk]).get(disable_sync_subtasks=False)
        == "imported"
    )
    expect(status).to_contain_text("Imported.")
    expect(page.get_by_role("link", name="See the themes")).to_be_visible()
