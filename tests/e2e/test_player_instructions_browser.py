"""The task's introduction tells the participant how to do a task of its kind: only a
click-through task mentions the "I'm done" and "Show task" buttons it has."""

import pytest
from playwright.sync_api import expect

from prototypes.authoring.demo import create_demo_prototypes
from prototypes.studies.demo import FIRST_IMPRESSIONS, create_demo_study
from prototypes.studies.models import Study
from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("language", "consent", "begin", "start_task", "go_on", "done", "five_seconds"),
    [
        (
            "en",
            "I have read this and I agree.",
            "Start",
            "Start the task",
            "Continue",
            "I'm done",
            "seconds",
        ),
        (
            "fr",
            "J’ai lu ce texte et je suis d’accord.",
            "Commencer",
            "Commencer la tâche",
            "Continuer",
            "J’ai terminé",
            "secondes",
        ),
    ],
)
def test_each_task_is_introduced_with_the_buttons_of_its_kind(
    live_server, new_page, language, consent, begin, start_task, go_on, done, five_seconds
):
    membership = factories.MembershipFactory(role="owner")
    versions = create_demo_prototypes(membership.workspace, membership.user)
    create_demo_study(membership.workspace, membership.user, versions["shop"])
    study = Study.objects.get(title=FIRST_IMPRESSIONS["title"])
    Study.objects.filter(pk=study.pk).update(language=language)
    exposure = study.tasks.get(kind="five_second").exposure_seconds
    page = new_page()
    page.goto(f"{live_server.url}/s/{study.share_links.get().token}/")
    page.get_by_label(consent).check()
    page.get_by_role("button", name=begin, exact=True).click()

    how_to = page.locator("[data-slot=how-to]")
    expect(how_to).to_contain_text(f"{exposure} {five_seconds}")
    expect(how_to).not_to_contain_text(done)
    page.get_by_role("button", name=start_task).click()
    # The five-second screen goes by itself, then the recall question is answered.
    page.get_by_role("textbox").fill("A shop.", timeout=exposure * 1000 + 8000)
    page.get_by_role("button", name=go_on).click()
    expect(how_to).to_be_visible()
    expect(how_to).not_to_contain_text(done)
    expect(how_to).not_to_contain_text("%(")
