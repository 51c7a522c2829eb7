from django.urls import path

from prototypes.authoring import views

urlpatterns = [
    path("prototypes/", views.prototype_list, name="prototype_list"),
    path("prototypes/new/", views.prototype_create, name="prototype_create"),
    path("prototypes/import/", views.prototype_import, name="prototype_import"),
    path("prototypes/<int:prototype_pk>/", views.prototype_detail, name="prototype_detail"),
    path("prototypes/<int:prototype_pk>/edit/", views.prototype_edit, name="prototype_edit"),
    path("prototypes/<int:prototype_pk>/delete/", views.prototype_delete, name="prototype_delete"),
    path(
        "prototypes/<int:prototype_pk>/publish/",
        views.prototype_publish,
        name="prototype_publish",
    ),
    path(
        "prototypes/<int:prototype_pk>/flow/", views.prototype_flow_map, name="prototype_flow_map"
    ),
    path(
        "prototypes/<int:prototype_pk>/preview/",
        views.prototype_preview,
        name="prototype_preview",
    ),
    path("prototypes/<int:prototype_pk>/screens/", views.screen_grid, name="screen_grid"),
    path(
        "prototypes/<int:prototype_pk>/screens/upload/",
        views.screen_upload,
        name="screen_upload",
    ),
    path(
        "prototypes/<int:prototype_pk>/screens/order/",
        views.screen_reorder,
        name="screen_reorder",
    ),
    path("screens/<int:screen_pk>/", views.screen_editor, name="screen_editor"),
    path("screens/<int:screen_pk>/card/", views.screen_card, name="screen_card"),
    path("screens/<int:screen_pk>/rename/", views.screen_rename, name="screen_rename"),
    path("screens/<int:screen_pk>/move/", views.screen_move, name="screen_move"),
    path("screens/<int:screen_pk>/replace/", views.screen_replace, name="screen_replace"),
    path("screens/<int:screen_pk>/delete/", views.screen_delete, name="screen_delete"),
    path("screens/<int:screen_pk>/hotspots/new/", views.hotspot_create, name="hotspot_create"),
    path("screens/<int:screen_pk>/hotspots/share/", views.hotspot_share, name="hotspot_share"),
    path("screens/<int:screen_pk>/hotspots/undo/", views.hotspot_undo, name="hotspot_undo"),
    path("screens/<int:screen_pk>/hotspots/redo/", views.hotspot_redo, name="hotspot_redo"),
    path(
        "screens/<int:screen_pk>/shared/<int:shared_set_pk>/",
        views.shared_set_place,
        name="shared_set_place",
    ),
    path("hotspots/<int:hotspot_pk>/", views.hotspot_update, name="hotspot_update"),
    path("hotspots/<int:hotspot_pk>/delete/", views.hotspot_delete, name="hotspot_delete"),
    path("versions/<int:version_pk>/export/", views.version_export, name="version_export"),
]
