from django.urls import include, path, re_path

from prototypes.api.document_views import api_not_found
from prototypes.health import healthz
from prototypes.media import favicon, rendition

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("media/screens/<str:name>", rendition, name="screen_rendition"),
    # First: the player's API takes most requests (a batch of events every second or so per
    # participant), and Django tries the patterns in order. No other pattern matches its paths.
    path("", include("prototypes.player.urls")),
    path("", include("prototypes.api.urls")),
    path("", include("prototypes.audio.urls")),
    path("", include("prototypes.workspaces.urls")),
    path("", include("prototypes.dashboard.urls")),
    path("", include("prototypes.friction.urls")),
    path("", include("prototypes.authoring.urls")),
    path("", include("prototypes.authoring.script_urls")),
    path("", include("prototypes.figma.urls")),
    path("", include("prototypes.studies.urls")),
    path("", include("prototypes.treetests.urls")),
    path("", include("prototypes.reports.urls")),
    path("", include("prototypes.audio.transcript_urls")),
    path("", include("prototypes.recruitment.urls")),
    path("", include("prototypes.webhooks.urls")),
    path("", include("prototypes.live.urls")),
    path("", include("prototypes.moderation.urls")),
    # Last: a path under /api/ that nothing above takes answers JSON, not the site's 404 page.
    re_path(r"^api/", api_not_found, name="api_not_found"),
]
