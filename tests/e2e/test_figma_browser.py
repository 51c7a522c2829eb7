"""A designer imports a Figma page into a prototype and finds its screens and hotspots; the
status page polls until a worker finishes; every page is axe-clean on a laptop and a phone."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from prototypes.figma import services
from prototypes.figma.models import FigmaImport
from prototypes.figma.tasks import import_figma
from tests import factories
from tests.e2e import axe
from tests.figma_fake import TOKEN, FakeFigma, design_file, phone_flow

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

KEY = "BrOwSeRfIlEkEy1234567"


@pytest.fixture
def fake(settings):
    server = FakeFigma()
    settings.FIGMA_API_URL = server.url
    server.files[KEY] = design_file("Shop", [phone_flow(3)])
    yield server
    server.close()


def open_import_form(page, live_server, prototype):
    page.goto(live_server.url + reverse("prototype_detail", args=[prototype.pk]))
    page.get_by_role("button", name="Import from Figma").click()
    page.get_by_label("Figma link").fill(f"https://www.figma.com/design/{KEY}/Shop?node-id=0-1")
    page.get_by_label("Personal access token").fill(TOKEN)


def test_import_a_page_and_find_its_screens_and_hotspots(
    live_server, page, phone_page, log_in, fake
):
    membership = factories.MembershipFactory(role="designer")
    prototype = factories.PrototypeFactory(workspace=membership.workspace, name="Checkout")
    log_in(page, membership.user)

    open_import_form(page, live_server, prototype)
    expect(page.get_by_text("never stored")).to_be_visible()
    axe.assert_accessible(page, "Figma import form")
    page.get_by_role("button", name="Import", exact=True).click()

    status = page.locator(".import-status")
    expect(status).to_contain_text("Imported.")
    expect(status).to_contain_text("3 new screens")
    axe.assert_accessible(page, "finished Figma import")
    page.get_by_role("link", name="See the screens").click()
    expect(page.locator("[data-screen-grid] > li")).to_have_count(3)
    expect(page.locator("[data-screen-grid]")).to_contain_text("Screen 1")

    log_in(phone_page, membership.user)
    phone_page.goto(live_server.url + reverse("figma_import", args=[prototype.pk]))
    axe.assert_accessible(phone_page, "Figma import form on a phone")
    figma_import = FigmaImport.objects.get()
    phone_page.goto(live_server.url + reverse("figma_import_status", args=[figma_import.pk]))
    axe.assert_accessible(phone_page, "finished Figma import on a phone")


def test_the_status_page_polls_until_a_worker_finishes(
    live_server, page, log_in, fake, monkeypatch
):
    """With a worker elsewhere, the form answers at once; the status page polls the import
    (run here by hand, as a worker would) until it is done."""
    membership = factories.MembershipFactory(role="designer")
    prototype = factories.PrototypeFactory(workspace=membership.workspace)
    log_in(page, membership.user)
    sent = []
    monkeypatch.setattr(services, "send", lambda pk, token: sent.append((pk, token)))

    open_import_form(page, live_server, prototype)
    page.get_by_role("button", name="Import", exact=True).click()
    status = page.locator(".import-status")
    expect(status).to_contain_text("Waiting to start")
    axe.assert_accessible(page, "Figma import waiting to start")
    ((figma_import_pk, token),) = sent
    FigmaImport.objects.filter(pk=figma_import_pk).update(
        status=FigmaImport.Status.RUNNING,
        step=FigmaImport.Step.DOWNLOADING,
        frames_total=3,
        frames_done=1,
    )
    expect(status).to_contain_text("1 of 3")
    axe.assert_accessible(page, "Figma import downloading")

    FigmaImport.objects.filter(pk=figma_import_pk).update(status=FigmaImport.Status.PENDING)
    assert import_figma.apply(args=[figma_import_pk], kwargs={"token": token}).get() == "imported"
    expect(status).to_contain_text("Imported.")
    expect(page.get_by_role("link", name="See the screens")).to_be_visible()
