"""Messages queued during an htmx request arrive with its response (prototypes/htmx_messages.py),
as an out-of-band swap of base.html's messages region."""

import re

import pytest
from django.contrib import messages
from django.contrib.messages.storage import default_storage
from django.contrib.sessions.backends.db import SessionStore
from django.shortcuts import render
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

from prototypes.htmx_messages import HtmxMessagesMiddleware
from tests import factories

HTMX = {"HX-Request": "true"}


@pytest.fixture
def screen(workspace):
    prototype = factories.PrototypeFactory(workspace=workspace)
    return factories.ScreenFactory(version=prototype.draft, name="Home")


@pytest.fixture
def htmx_request(rf, db):
    """An htmx request, as it is once the session, message and htmx middleware have run."""
    request = rf.get("/", headers=HTMX)
    request.session = SessionStore()
    request._messages = default_storage(request)
    request.htmx = HtmxDetails(request)
    return request


def out_of_band_messages(response):
    html = response.content.decode()
    region = re.search(r'<div id="messages"[^>]*hx-swap-oob="true"[^>]*>(.*?)</div>', html, re.S)
    return region.group(1) if region else None


def test_a_message_queued_during_an_htmx_request_comes_with_its_fragment(designer_client, screen):
    response = designer_client.post(
        reverse("screen_rename", args=[screen.pk]), {"name": ""}, headers=HTMX
    )
    assert response.status_code == 200
    assert f'id="screen-{screen.pk}"' in response.content.decode(), "the fragment itself"
    region = out_of_band_messages(response)
    assert region is not None
    assert "A screen needs a name" in region
    assert 'class="flash flash-error"' in region
    # Delivered once: the next full page does not show it again.
    page = designer_client.get(reverse("prototype_detail", args=[screen.version.prototype_id]))
    assert "A screen needs a name" not in page.content.decode()


def test_an_htmx_response_without_messages_is_left_as_it_is(designer_client, screen):
    response = designer_client.post(
        reverse("screen_rename", args=[screen.pk]), {"name": "Orders"}, headers=HTMX
    )
    assert out_of_band_messages(response) is None
    assert 'id="messages"' not in response.content.decode()


def test_a_full_page_shows_its_messages_in_place_not_out_of_band(designer_client, screen):
    designer_client.post(reverse("screen_rename", args=[screen.pk]), {"name": ""})
    page = designer_client.get(reverse("prototype_detail", args=[screen.version.prototype_id]))
    html = page.content.decode()
    assert "A screen needs a name" in html
    assert "hx-swap-oob" not in html


def test_messages_wait_for_the_page_an_htmx_redirect_leads_to(htmx_request):
    def view(request):
        messages.success(request, "Saved.")
        return HttpResponseClientRedirect("/elsewhere/")

    response = HtmxMessagesMiddleware(view)(htmx_request)
    assert out_of_band_messages(response) is None
    assert [message.message for message in htmx_request._messages] == ["Saved."]


def test_messages_a_response_showed_already_are_not_added_again(htmx_request):
    def view(request):
        messages.success(request, "Saved.")
        return render(request, "base.html")

    response = HtmxMessagesMiddleware(view)(htmx_request)
    assert response.content.decode().count("Saved.") == 1


def test_every_page_has_the_messages_region_for_htmx_errors(client, db):
    html = client.get(reverse("login")).content.decode()
    assert re.search(r'<div id="messages" class="messages" role="status">\s*</div>', html)
