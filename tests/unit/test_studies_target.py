"""A live study at its participant target prompts to raise the target or close the study."""

import pytest
from django.urls import reverse

from prototypes.models import ParticipantSession, Study
from tests import factories


@pytest.fixture
def full_study(workspace):
    study = factories.StudyFactory(
        workspace=workspace, state=Study.State.LIVE, target_participants=3
    )
    for _ in range(4):
        factories.SessionFactory(study=study, state=ParticipantSession.State.COMPLETED)
    return study


def test_a_study_past_its_target_offers_raise_target_and_close(client, designer, full_study):
    client.force_login(designer)
    html = client.get(reverse("study_detail", args=[full_study.pk])).content.decode()
    assert "Target reached: 4 of 3 finished" in html
    assert "Raise target" in html and "Close study" in html
    # A sensible new target is already filled in: half as many again, above those finished.
    assert 'value="9"' in html

    listing = client.get(reverse("study_list")).content.decode()
    assert "Target reached: raise or close" in listing


def test_a_study_below_its_target_shows_no_prompt(client, designer, full_study):
    full_study.target_participants = 10
    full_study.save()
    client.force_login(designer)
    html = client.get(reverse("study_detail", args=[full_study.pk])).content.decode()
    assert "Target reached" not in html
    assert "Target reached" not in client.get(reverse("study_list")).content.decode()


def test_a_closed_study_at_its_target_shows_no_prompt(client, designer, full_study):
    full_study.state = Study.State.CLOSED
    full_study.save()
    client.force_login(designer)
    assert (
        "Raise target"
        not in client.get(reverse("study_detail", args=[full_study.pk])).content.decode()
    )


def test_raising_the_target_keeps_the_study_live(client, designer, full_study):
    client.force_login(designer)
    response = client.post(reverse("study_target", args=[full_study.pk]), {"target": 20})
    assert response.status_code == 302 and response["Location"].endswith("#progress")
    full_study.refresh_from_db()
    assert (full_study.target_participants, full_study.state) == (20, Study.State.LIVE)
    html = client.get(reverse("study_detail", args=[full_study.pk])).content.decode()
    assert "Target reached" not in html


@pytest.mark.parametrize("target", ["4", "0", "-2", "lots", "", "100001"])
def test_a_target_not_above_those_finished_is_refused_with_a_message(
    client, designer, full_study, target
):
    client.force_login(designer)
    response = client.post(
        reverse("study_target", args=[full_study.pk]), {"target": target}, follow=True
    )
    full_study.refresh_from_db()
    assert full_study.target_participants == 3
    assert 'class="flash flash-error"' in response.content.decode()


def test_closing_from_the_prompt_asks_first_then_closes_the_study(client, designer, full_study):
    client.force_login(designer)
    html = client.get(reverse("study_detail", args=[full_study.pk])).content.decode()
    close_url = reverse("study_close", args=[full_study.pk])
    assert html.count(f'href="{close_url}"') == 2  # the page's Close and the prompt's
    client.post(close_url)
    full_study.refresh_from_db()
    assert full_study.state == Study.State.CLOSED


def test_viewers_cannot_raise_the_target(client, viewer, full_study):
    client.force_login(viewer)
    html = client.get(reverse("study_detail", args=[full_study.pk])).content.decode()
    assert "Target reached" in html and "Raise target" not in html
    assert (
        client.post(reverse("study_target", args=[full_study.pk]), {"target": 9}).status_code == 403
    )
