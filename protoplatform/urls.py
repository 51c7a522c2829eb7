from django.conf import settings
from django.urls import include, path

from prototypes.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("", include("prototypes.workspaces.urls")),
    path("", include("prototypes.authoring.urls")),
    path("", include("prototypes.studies.urls")),
    path("", include("prototypes.player.urls")),
    path("", include("prototypes.reports.urls")),
    path("", include("prototypes.recruitment.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
