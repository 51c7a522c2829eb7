from django.urls import path

from prototypes.recruitment import views

urlpatterns = [
    # A study's recruitment: links, screener, segments, invitations, consent.
    path("studies/<int:study_pk>/recruitment/", views.study_recruitment, name="study_recruitment"),
    path(
        "studies/<int:study_pk>/recruitment/funnel/",
        views.recruitment_funnel,
        name="recruitment_funnel",
    ),
    path(
        "studies/<int:study_pk>/recruitment/settings/",
        views.recruitment_settings,
        name="recruitment_settings",
    ),
    path("studies/<int:study_pk>/links/new/", views.link_create, name="link_create"),
    path("links/<int:link_pk>/edit/", views.link_edit, name="link_edit"),
    path("links/<int:link_pk>/revoke/", views.link_revoke, name="link_revoke"),
    path("links/<int:link_pk>/restore/", views.link_restore, name="link_restore"),
    path("studies/<int:study_pk>/screener/new/", views.screener_create, name="screener_create"),
    path("screener/<int:screener_pk>/edit/", views.screener_edit, name="screener_edit"),
    path("screener/<int:screener_pk>/delete/", views.screener_delete, name="screener_delete"),
    path("studies/<int:study_pk>/segments/new/", views.segment_create, name="segment_create"),
    path("segments/<int:segment_pk>/edit/", views.segment_edit, name="segment_edit"),
    path("segments/<int:segment_pk>/delete/", views.segment_delete, name="segment_delete"),
    path(
        "studies/<int:study_pk>/invitations/",
        views.invitation_list,
        name="study_invitation_list",
    ),
    path(
        "study-invitations/<int:study_invitation_pk>/resend/",
        views.invitation_resend,
        name="study_invitation_resend",
    ),
    path("studies/<int:study_pk>/consent/", views.consent_history, name="consent_history"),
    # The workspace's participant panel.
    path("panel/", views.contact_list, name="contact_list"),
    path("panel/import/", views.contact_import, name="contact_import"),
    path(
        "panel/import/<int:import_pk>/",
        views.contact_import_preview,
        name="contact_import_preview",
    ),
    path("panel/invite/", views.contact_invite, name="contact_invite"),
    path("panel/settings/", views.panel_settings, name="panel_settings"),
    path("panel/privacy/", views.participant_privacy, name="participant_privacy"),
    path("panel/contacts/<int:contact_pk>/", views.contact_detail, name="contact_detail"),
    path("panel/contacts/<int:contact_pk>/export/", views.contact_export, name="contact_export"),
    path("panel/contacts/<int:contact_pk>/erase/", views.contact_erase, name="contact_erase"),
    # Participants: personal invitation links and unsubscribing.
    path("i/<str:token>/", views.invitation_open, name="invitation_open"),
    path("u/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
