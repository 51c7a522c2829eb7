from django.urls import path

from prototypes.figma import views

urlpatterns = [
    path("prototypes/<int:prototype_pk>/figma/", views.figma_import, name="figma_import"),
    path(
        "prototypes/figma/<int:figma_import_pk>/",
        views.figma_import_status,
        name="figma_import_status",
    ),
]
