from django.urls import path

from prototypes.api import settings_views, views

urlpatterns = [
    path("api/v1/studies", views.studies, name="api_v1_studies"),
    path("api/v1/studies/<int:study_pk>", views.study, name="api_v1_study"),
    path("api/v1/studies/<int:study_pk>/report", views.study_report, name="api_v1_study_report"),
    path(
        "api/v1/studies/<int:study_pk>/sessions",
        views.study_sessions,
        name="api_v1_study_sessions",
    ),
    path(
        "api/v1/sessions/<int:session_pk>/events",
        views.session_events,
        name="api_v1_session_events",
    ),
    path(
        "workspaces/<int:workspace_pk>/api-tokens/",
        settings_views.access_tokens,
        name="access_tokens",
    ),
]
