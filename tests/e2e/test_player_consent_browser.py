"""The consent text changes while a participant has the page open: the message and its button
say the same thing, and the reload keeps the screener answers they had given."""

import pytest
from playwright.sync_api import expect

from prototypes.authoring.demo import create_demo_prototypes
from prototypes.recruitment.models import ScreenerQuestion
from prototypes.sessions.models import ParticipantSession
from prototypes.studies.demo import create_demo_study
from prototypes.studies.models import Study
from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_consent_change_reloads_with_the_screener_answers_kept(live_server, new_page):
    membership = factories.MembershipFactory(role="owner")
    versions = create_demo_prototypes(membership.workspace, membership.user)
    study = create_demo_study(membership.workspace, membership.user, versions["shop"])
    factories.ScreenerQuestionFactory(study=study, position=0)
    factories.ScreenerQuestionFactory(
        study=study,
        position=1,
        text="How many orders a month?",
        kind=ScreenerQuestion.Kind.NUMBER,
        choices=[],
    )
    page = new_page()
    page.goto(f"{live_server.url}{study.share_links.get().get_absolute_url()}")
    page.get_by_label("Returning customer").check()
    page.get_by_label("How many orders a month?").fill("3")
    page.get_by_label("I have read this and I agree.").check()
    Study.objects.filter(pk=study.pk).update(
        consent_text="I agree to the new terms.", consent_version=2
    )
    page.get_by_role("button", name="Start", exact=True).click()

    expect(page.get_by_text("Please reload the page and read it again")).to_be_visible()
    page.get_by_role("button", name="Reload the page").click()

    expect(page.get_by_text("I agree to the new terms.")).to_be_visible()
    expect(page.get_by_label("Returning customer")).to_be_checked()
    expect(page.get_by_label("How many orders a month?")).to_have_value("3")
    expect(page.get_by_label("I have read this and I agree.")).not_to_be_checked()
    page.get_by_label("I have read this and I agree.").check()
    page.get_by_role("button", name="Start", exact=True).click()
    expect(page.get_by_role("button", name="Start the task")).to_be_visible()
    session = ParticipantSession.objects.get()
    assert session.consent_version == 2
    assert session.admission.answers == {
        str(study.screener_questions.get(position=0).pk): "Returning customer",
        str(study.screener_questions.get(position=1).pk): 3.0,
    }
