from django.urls import path

from prototypes.friction import views

urlpatterns = [
    path("friction/", views.inbox, name="friction_inbox"),
    path("friction/import/", views.evidence_upload, name="evidence_upload"),
    path(
        "friction/import/<int:evidence_import_pk>/",
        views.evidence_mapping,
        name="evidence_mapping",
    ),
    path(
        "friction/import/<int:evidence_import_pk>/status/",
        views.evidence_import_status,
        name="evidence_import_status",
    ),
    path("friction/items/new/", views.item_add, name="evidence_item_add"),
    path("friction/notes/", views.notes_paste, name="evidence_notes"),
    path("friction/erase/", views.customer_erase, name="evidence_erase"),
    path("friction/themes/<int:theme_pk>/", views.theme_detail, name="theme_detail"),
    path("friction/themes/<int:theme_pk>/rename/", views.theme_rename, name="theme_rename"),
    path("friction/themes/<int:theme_pk>/rank/", views.theme_override, name="theme_override"),
    path("friction/themes/<int:theme_pk>/merge/", views.theme_merge, name="theme_merge"),
    path("friction/themes/<int:theme_pk>/move/", views.theme_move, name="theme_move"),
]
