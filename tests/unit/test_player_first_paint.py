"""What the welcome page needs before its first paint comes with the page: its styles inline
(under the CSP's nonce), and no script or stylesheet that the player does not use."""

import re

import pytest
from django.urls import reverse

from prototypes.player.stylesheets import PLAYER_STYLESHEETS, player_stylesheets
from tests.unit.test_player_support import build_player_study

pytestmark = pytest.mark.django_db


def test_the_player_page_carries_its_styles_under_the_csp_nonce(client):
    setup = build_player_study()
    response = client.get(reverse("player_start", args=[setup.link.token]))
    html = response.content.decode()

    assert 'rel="stylesheet"' not in html
    # The player's own scripts only: htmx and app.js serve the workspace's pages.
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert scripts and all("/prototypes/" in src for src in scripts)
    styles = re.findall(r'<style nonce="([^"]+)">', html)
    assert len(styles) == 1
    assert f"'nonce-{styles[0]}'" in response["Content-Security-Policy"]
    assert "--pico-" in html and ".player-card" in html


def test_other_pages_link_their_stylesheets_and_send_no_nonce(client):
    response = client.get(reverse("login"))
    assert b'rel="stylesheet"' in response.content
    assert "nonce-" not in response["Content-Security-Policy"]


def test_a_scripted_flow_adds_its_sketches_after_the_players_own_styles():
    plain = player_stylesheets(scripted=False)
    scripted = player_stylesheets(scripted=True)
    assert len(scripted) > len(plain)
    assert scripted.index(".player-card") < scripted.index(".sketch-device")
    assert len(PLAYER_STYLESHEETS) == 5
