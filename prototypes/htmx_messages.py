"""Messages queued during an htmx request go out with its response.

Views queue messages (`messages.success(...)`) the same way whether htmx asked or not. A full
page shows them in base.html's messages region; an htmx response replaces only part of the
page, so without this they would wait for the next full page, out of context. The region is
rendered from base.html's `messages` partial and added to the response as an out-of-band swap.
"""

from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

# htmx follows these itself or navigates the whole tab: the messages wait for the next page.
NAVIGATING_HEADERS = ("HX-Redirect", "HX-Location", "HX-Refresh")


def swaps_into_the_page(request: HttpRequest, response: HttpResponse) -> bool:
    """Whether htmx will swap this response into the page (so an out-of-band part is seen)."""
    return (
        bool(getattr(request, "htmx", False))
        and 200 <= response.status_code < 300
        and response.status_code != 204
        and not response.streaming
        and response.get("Content-Type", "").startswith("text/html")
        and not any(header in response for header in NAVIGATING_HEADERS)
    )


class HtmxMessagesMiddleware:
    """After django_htmx's and Django's message middleware: append the queued messages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if swaps_into_the_page(request, response):
            queued = get_messages(request)
            # A response that showed them already (a whole page, boosted) has used them.
            if len(queued) and not queued.used:
                # Rendering iterates the messages, which marks them delivered.
                region = render_to_string(
                    "base.html#messages", {"messages": queued, "oob": True}, request=request
                )
                response.content += region.encode(response.charset)
                if response.has_header("Content-Length"):
                    response["Content-Length"] = str(len(response.content))
        return response
