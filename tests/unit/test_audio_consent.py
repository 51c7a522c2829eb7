"""What the consent page says about think-aloud recording, by the study's setting."""

import pytest
from django.urls import reverse

from prototypes.recruitment.models import PanelSettings
from tests.unit.test_player_support import build_player_study

pytestmark = pytest.mark.django_db


def player_page(client, think_aloud, retention_days=None, language="en"):
    setup = build_player_study(language=language)
    setup.study.think_aloud = think_aloud
    setup.study.save()
    if retention_days:
        PanelSettings.objects.create(workspace=setup.study.workspace, retention_days=retention_days)
    return client.get(reverse("player_start", args=[setup.link.token])).content.decode()


def test_a_study_that_does_not_record_says_nothing_of_it(client):
    html = player_page(client, "off")
    assert "Thinking aloud" not in html
    assert "player-audio.js" not in html


def test_an_optional_recording_is_explained_and_can_be_declined(client):
    html = player_page(client, "optional", retention_days=90)
    assert "player-audio.js" in html
    assert "What is recorded: your voice" in html
    assert "Who hears it: only the team running this study" in html
    assert "How long it is kept: 90 days, then it is deleted." in html
    assert "either way you can take part" in html
    assert 'name="audio"' in html
    assert "Test my microphone" in html


def test_a_required_recording_says_so_before_consent(client):
    html = player_page(client, "required")
    required = html.index("you can take part only if you agree to be recorded")
    assert required < html.index("I have read this and I agree.")
    assert 'name="audio"' not in html
    assert "until the team deletes it" in html
    assert "Test my microphone" in html


def test_participants_of_a_french_study_read_it_in_french(client):
    html = player_page(client, "optional", retention_days=30, language="fr")
    assert "Penser à voix haute" in html
    assert "Durée de conservation : 30 jours, puis il est supprimé." in html
    assert "Enregistrer ma voix" in html
    assert "Nous vous entendons." in html
