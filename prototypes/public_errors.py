"""Branded error pages for the links participants and stakeholders open.

People who follow a share link are not developers: a made-up, mistyped or revoked link must
never show Django's debug page (which lists every URL of the site), not even on a machine run
with DEBUG on, and the page must speak the study's language. Designer pages keep Django's
behaviour: their users can read a traceback.
"""

import logging

from django.http import Http404
from django.shortcuts import render
from django.utils import translation

logger = logging.getLogger(__name__)

# /s/ a study's share link, /r/ a stakeholder's summary link, /i/ a personal invitation,
# /u/ the unsubscribe link of an email.
PUBLIC_PREFIXES = ("/s/", "/r/", "/i/", "/u/")
BRANDED_STATUSES = {404, 410, 429, 500}


def is_public_path(path):
    return path.startswith(PUBLIC_PREFIXES)


def study_language(path):
    """The language of the study a public link belongs to, or None for an unknown link."""
    from prototypes.recruitment.models import StudyInvitation
    from prototypes.reports.models import ReportShare
    from prototypes.studies.models import ShareLink

    parts = path.split("/")
    if len(parts) < 3 or not parts[2]:
        return None
    prefix, token = parts[1], parts[2][:64]
    model = {"s": ShareLink, "r": ReportShare, "i": StudyInvitation}.get(prefix)
    if model is None:
        return None
    return model.objects.filter(token=token).values_list("study__language", flat=True).first()


def error_page(request, status, retry_after=None):
    language = study_language(request.path) or translation.get_language() or "en"
    with translation.override(language):
        response = render(
            request, "errors/public_error.html", {"status": status, "retry_after": retry_after}
        )
    response.status_code = status
    response["Content-Language"] = language
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    if retry_after:
        response["Retry-After"] = retry_after
    return response


def is_json(response):
    return response.get("Content-Type", "").startswith("application/json")


class PublicErrorPageMiddleware:
    """Answers errors on participant and stakeholder links with the product's own page.

    Pages a view renders on purpose (the player's "this study has ended", for instance) are
    kept; replaced are only the answers Django would otherwise build itself: a path that
    matches no URL, a view raising Http404, a crash, and the plain-text rate-limit answer.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        status = response.status_code
        if (
            status not in BRANDED_STATUSES
            or not is_public_path(request.path)
            or getattr(response, "branded", False)
            or is_json(response)
        ):
            return response
        unmatched = status == 404 and getattr(request, "resolver_match", None) is None
        plain_limit = status == 429 and response.get("Content-Type", "").startswith("text/plain")
        if unmatched or plain_limit or status == 500:
            return error_page(request, status, response.get("Retry-After"))
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, Http404) and is_public_path(request.path):
            response = error_page(request, 404)
            response.branded = True
            return response
        return None
