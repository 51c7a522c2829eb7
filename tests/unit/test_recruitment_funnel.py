"""The recruitment funnel: everyone who started counts once, and the columns add up."""

import re

import pytest
from django.urls import reverse

from prototypes.recruitment.funnel import study_funnel
from prototypes.sessions.models import ParticipantSession
from prototypes.studies.models import Study
from tests import factories

State = ParticipantSession.State
# Sessions of each state through each of two links.
MIX = {
    "Default link": [State.COMPLETED] * 3 + [State.SCREENED_OUT] * 2 + [State.ACTIVE],
    "Newsletter": [State.SCREENED_OUT] * 4 + [State.ABANDONED] * 2 + [State.COMPLETED],
}


@pytest.fixture
def study(workspace):
    study = factories.StudyFactory(workspace=workspace, state=Study.State.LIVE)
    for name, states in MIX.items():
        link = factories.ShareLinkFactory(study=study, name=name)
        for state in states:
            session = factories.SessionFactory(study=study, share_link=link, state=state)
            factories.StudyInvitationFactory(study=study, session=session, status="started")
    factories.StudyInvitationFactory(study=study, status="sent")
    return study


def test_started_counts_the_screened_out_and_the_columns_add_up(study):
    funnel = study_funnel(study)
    rows = {link.name: link for link in funnel.links}
    assert (rows["Newsletter"].started, rows["Newsletter"].screened_out) == (7, 4)
    for link in funnel.links:
        assert link.started == len(MIX[link.name])
        assert link.started == link.screened_out + link.unfinished + link.completed
    totals = funnel.totals
    assert totals == {"started": 13, "screened_out": 6, "unfinished": 3, "completed": 4}
    stages = {stage.key: stage.count for stage in funnel.invitations}
    assert stages["started"] == stages["screened_out"] + stages["unfinished"] + stages["completed"]
    assert stages == {
        "invited": 14,
        "opened": 0,
        "started": 13,
        "screened_out": 6,
        "unfinished": 3,
        "completed": 4,
    }


def test_the_funnel_table_adds_up_on_the_page(client, viewer, study):
    client.force_login(viewer)
    html = client.get(reverse("recruitment_funnel", args=[study.pk])).content.decode()
    assert "Not finished" in html
    total = re.search(r"All sources</th>((?:<td>\d*</td>)+)", html).group(1)
    started, screened_out, unfinished, completed = map(int, re.findall(r"<td>(\d+)</td>", total))
    assert (started, screened_out, unfinished, completed) == (13, 6, 3, 4)
    assert started == screened_out + unfinished + completed
