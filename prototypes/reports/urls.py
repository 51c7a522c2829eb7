from django.urls import path

from prototypes.reports import views

urlpatterns = [
    path("studies/<int:study_pk>/results/", views.study_results, name="study_results"),
    path("studies/<int:study_pk>/summary/", views.study_summary, name="study_summary"),
    path(
        "studies/<int:study_pk>/report-links/",
        views.report_share_create,
        name="report_share_create",
    ),
    path(
        "report-links/<int:share_pk>/revoke/",
        views.report_share_revoke,
        name="report_share_revoke",
    ),
    path("comments/<int:comment_pk>/quote/", views.quote_curate, name="quote_curate"),
    path(
        "report-links/<int:share_pk>/restore/",
        views.report_share_restore,
        name="report_share_restore",
    ),
    path("r/<str:token>/", views.report_share_view, name="report_share_view"),
    path(
        "r/<str:token>/exports/",
        views.report_share_export_create,
        name="report_share_export_create",
    ),
    path(
        "r/<str:token>/exports/<int:export_pk>/",
        views.report_share_export_status,
        name="report_share_export_status",
    ),
    path(
        "r/<str:token>/exports/<int:export_pk>/download/",
        views.report_share_export_download,
        name="report_share_export_download",
    ),
    path(
        "studies/<int:study_pk>/exports/", views.report_export_create, name="report_export_create"
    ),
    path("exports/<int:export_pk>/", views.report_export_status, name="report_export_status"),
    path(
        "exports/<int:export_pk>/download/",
        views.report_export_download,
        name="report_export_download",
    ),
    path(
        "studies/<int:study_pk>/heatmaps/<int:screen_pk>/",
        views.study_heatmap,
        name="study_heatmap",
    ),
    path(
        "studies/<int:study_pk>/heatmaps/<int:screen_pk>/image/",
        views.study_heatmap_image,
        name="study_heatmap_image",
    ),
    path("problems/<int:problem_pk>/compare/", views.problem_compare, name="problem_compare"),
    path(
        "problems/<int:problem_pk>/decisions/",
        views.problem_decisions,
        name="problem_decisions",
    ),
    path(
        "problems/<int:problem_pk>/decisions/new/",
        views.decision_create,
        name="decision_create",
    ),
    path("api/studies/<int:study_pk>/report.json", views.api_report, name="api_report"),
    path("sessions/<int:session_pk>/replay/", views.session_replay, name="session_replay"),
    path("sessions/<int:session_pk>/exclude/", views.session_exclude, name="session_exclude"),
    path("sessions/<int:session_pk>/include/", views.session_include, name="session_include"),
]
