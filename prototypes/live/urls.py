from django.urls import path

from prototypes.live import views

urlpatterns = [
    path("studies/<int:study_pk>/live/", views.study_live, name="study_live"),
    path("studies/<int:study_pk>/live/stream/", views.study_live_stream, name="study_live_stream"),
    path(
        "studies/<int:study_pk>/live/settings/",
        views.study_live_settings,
        name="study_live_settings",
    ),
    path(
        "studies/<int:study_pk>/live/observers/",
        views.observer_invite_create,
        name="observer_invite_create",
    ),
    path(
        "live/observers/<int:invite_pk>/revoke/",
        views.observer_invite_revoke,
        name="observer_invite_revoke",
    ),
    path("live/sessions/<int:session_pk>/", views.session_observe, name="session_observe"),
    path(
        "live/sessions/<int:session_pk>/stream/",
        views.session_observe_stream,
        name="session_observe_stream",
    ),
    path(
        "live/sessions/<int:session_pk>/notes/",
        views.session_note_create,
        name="session_note_create",
    ),
    path("live/notes/<int:note_pk>/quote/", views.note_quote, name="note_quote"),
    path("watch/<str:token>/", views.watch_study, name="watch_study"),
    path("watch/<str:token>/stream/", views.watch_study_stream, name="watch_study_stream"),
    path("watch/<str:token>/sessions/<int:session_pk>/", views.watch_session, name="watch_session"),
    path(
        "watch/<str:token>/sessions/<int:session_pk>/stream/",
        views.watch_session_stream,
        name="watch_session_stream",
    ),
    path(
        "watch/<str:token>/sessions/<int:session_pk>/notes/",
        views.watch_note_create,
        name="watch_note_create",
    ),
]
