from django.urls import path

from prototypes.treetests import views

urlpatterns = [
    path("prototypes/<int:prototype_pk>/tree/", views.tree_editor, name="tree_editor"),
    path("prototypes/<int:prototype_pk>/tree/publish/", views.tree_publish, name="tree_publish"),
    path("tasks/<int:task_pk>/tree-test.csv", views.tree_test_csv, name="tree_test_csv"),
    path(
        "tasks/<int:task_pk>/card-sort-similarity.csv",
        views.card_sort_csv,
        {"table": "similarity"},
        name="card_sort_similarity_csv",
    ),
    path(
        "tasks/<int:task_pk>/card-sort-placements.csv",
        views.card_sort_csv,
        {"table": "placements"},
        name="card_sort_placements_csv",
    ),
    path("tasks/<int:task_pk>/card-sort-merges/", views.card_sort_merge, name="card_sort_merge"),
]
