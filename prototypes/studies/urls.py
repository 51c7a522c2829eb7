from django.urls import path

from prototypes.studies import views

urlpatterns = [
    path("problems/", views.problem_list, name="problem_list"),
    path("problems/new/", views.problem_create, name="problem_create"),
    path("problems/<int:problem_pk>/", views.problem_detail, name="problem_detail"),
    path("problems/from-theme/<int:theme_pk>/", views.theme_promote, name="theme_promote"),
    path("problems/<int:problem_pk>/edit/", views.problem_edit, name="problem_edit"),
    path("studies/", views.study_list, name="study_list"),
    path("studies/new/", views.study_create, name="study_create"),
    path("studies/<int:study_pk>/", views.study_detail, name="study_detail"),
    path("studies/<int:study_pk>/progress/", views.study_progress, name="study_progress"),
    path("studies/<int:study_pk>/edit/", views.study_edit, name="study_edit"),
    path("studies/<int:study_pk>/delete/", views.study_delete, name="study_delete"),
    path("studies/<int:study_pk>/state/", views.study_transition, name="study_transition"),
    path("studies/<int:study_pk>/close/", views.study_close, name="study_close"),
    path("studies/<int:study_pk>/target/", views.study_target, name="study_target"),
    path("studies/<int:study_pk>/concepts/", views.study_concepts, name="study_concepts"),
    path("studies/<int:study_pk>/tasks/new/", views.task_create, name="task_create"),
    path("tasks/<int:task_pk>/edit/", views.task_edit, name="task_edit"),
    path("tasks/<int:task_pk>/delete/", views.task_delete, name="task_delete"),
    path("tasks/<int:task_pk>/move/", views.task_move, name="task_move"),
    path("studies/<int:study_pk>/questions/new/", views.question_create, name="question_create"),
    path("questions/<int:question_pk>/edit/", views.question_edit, name="question_edit"),
    path("questions/<int:question_pk>/delete/", views.question_delete, name="question_delete"),
    path("questions/<int:question_pk>/move/", views.question_move, name="question_move"),
    path("studies/<int:study_pk>/criteria/new/", views.criterion_create, name="criterion_create"),
    path("criteria/<int:criterion_pk>/edit/", views.criterion_edit, name="criterion_edit"),
    path("criteria/<int:criterion_pk>/delete/", views.criterion_delete, name="criterion_delete"),
]
