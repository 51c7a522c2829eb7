"""The pages this branch adds to are accessible and reflow on a phone: the latest decision
beside the verdict (results, summary, shared summary) and a draft study's language warning."""

import pytest
from django.urls import reverse

from prototypes.reports.models import Decision
from prototypes.studies.models import Study
from tests import factories
from tests.e2e.test_accessibility import Audit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_decision_and_the_language_warning_pass_axe_on_a_phone(
    live_server, phone_page, log_in, demo
):
    study = demo["study"]
    Decision.objects.create(
        problem=study.problem,
        study=study,
        decision="iterate",
        rationale="Completion is close to the target; test the new menu with 20 more people.",
        decided_by=demo["user"],
    )
    draft = factories.StudyFactory(
        workspace=study.workspace,
        prototype_version=study.prototype_version,
        language=Study.Language.FRENCH,
    )
    # The first visit of the results draws the demo's heatmaps (eager Celery, in the request).
    phone_page.set_default_navigation_timeout(60_000)
    log_in(phone_page, demo["user"])
    audit = Audit(phone_page, live_server)
    for name in ("study_results", "study_summary"):
        audit.visit(name, reverse(name, args=[study.pk]))
        assert phone_page.locator("#latest-decision-title").is_visible()
    audit.visit("shared summary", reverse("report_share_view", args=[demo["share"].token]))
    assert phone_page.locator("#latest-decision-title").is_visible()
    audit.visit("draft study", reverse("study_detail", args=[draft.pk]))
    assert phone_page.locator("#language-warnings").is_visible()
    audit.assert_clean()
