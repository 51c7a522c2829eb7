from django.urls import path

from prototypes.authoring import script_views

urlpatterns = [
    path("prototypes/import-script/", script_views.script_import, name="script_import"),
    path("prototypes/<int:prototype_pk>/script/", script_views.script_editor, name="script_editor"),
    path(
        "prototypes/<int:prototype_pk>/script/preview/",
        script_views.script_preview,
        name="script_preview",
    ),
    path(
        "prototypes/<int:prototype_pk>/script/publish/",
        script_views.script_publish,
        name="script_publish",
    ),
    path(
        "prototypes/<int:prototype_pk>/script/play/", script_views.script_play, name="script_play"
    ),
    path(
        "prototypes/<int:prototype_pk>/script/export/",
        script_views.script_export,
        name="script_export",
    ),
    path(
        "versions/<int:version_pk>/flow.json",
        script_views.script_flow_json,
        name="script_flow_json",
    ),
    path(
        "versions/<int:version_pk>/route/",
        script_views.script_preview_route,
        name="script_preview_route",
    ),
    path("scripts/route/<str:token>/", script_views.script_route, name="script_route"),
]
