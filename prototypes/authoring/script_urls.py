from django.urls import path

from prototypes.authoring import scripted

urlpatterns = [
    path("prototypes/import-script/", scripted.script_import, name="script_import"),
    path("prototypes/<int:prototype_pk>/script/", scripted.script_editor, name="script_editor"),
    path(
        "prototypes/<int:prototype_pk>/script/preview/",
        scripted.script_preview,
        name="script_preview",
    ),
    path(
        "prototypes/<int:prototype_pk>/script/publish/",
        scripted.script_publish,
        name="script_publish",
    ),
    path("prototypes/<int:prototype_pk>/script/play/", scripted.script_play, name="script_play"),
    path(
        "prototypes/<int:prototype_pk>/script/export/",
        scripted.script_export,
        name="script_export",
    ),
    path("versions/<int:version_pk>/flow.json", scripted.script_flow_json, name="script_flow_json"),
    path(
        "versions/<int:version_pk>/route/",
        scripted.script_preview_route,
        name="script_preview_route",
    ),
    path("scripts/route/<str:token>/", scripted.script_route, name="script_route"),
]
