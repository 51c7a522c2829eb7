from django.urls import path

from prototypes.treetests import views

urlpatterns = [
    path("prototypes/<int:prototype_pk>/tree/", views.tree_editor, name="tree_editor"),
    path("prototypes/<int:prototype_pk>/tree/publish/", views.tree_publish, name="tree_publish"),
]
