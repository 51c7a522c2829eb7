from django.urls import path

from prototypes.api import document_views, settings_views, views

urlpatterns = [
    path("api/openapi.json", document_views.openapi_document, name="openapi_document"),
    path("api/", document_views.openapi_page, name="openapi_page"),
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
