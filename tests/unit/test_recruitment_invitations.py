"""An invitation's status says when its contact has unsubscribed since it was sent."""

import pytest
from django.urls import reverse

from prototypes.recruitment import panel
from prototypes.studies.models import Study
from tests import factories


@pytest.fixture
def sent(workspace):
    study = factories.StudyFactory(workspace=workspace, state=Study.State.LIVE)
    contact = factories.ContactFactory(workspace=workspace, email="ada@example.com")
    invitation = factories.StudyInvitationFactory(study=study, contact=contact, status="sent")
    return study, contact, invitation


def test_the_invitation_list_shows_that_the_contact_unsubscribed(client, designer, sent):
    study, contact, _ = sent
    client.force_login(designer)
    url = reverse("study_invitation_list", args=[study.pk])
    assert "unsubscribed" not in client.get(url).content.decode()
    client.post(reverse("unsubscribe", args=[contact.token]))
    html = client.get(url).content.decode()
    assert "Sent</span>" in html
    assert '<span class="badge status-cancelled">unsubscribed' in html


def test_the_contact_page_shows_it_beside_each_invitation(designer_client, sent):
    _, contact, _ = sent
    panel.unsubscribe(contact)
    html = designer_client.get(reverse("contact_detail", args=[contact.pk])).content.decode()
    assert '<span class="badge status-cancelled">unsubscribed' in html
