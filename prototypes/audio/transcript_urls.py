from django.urls import path

from prototypes.audio import transcript_views as views

urlpatterns = [
    path("studies/<int:study_pk>/transcripts/", views.study_transcripts, name="study_transcripts"),
    path(
        "sessions/<int:session_pk>/transcript/",
        views.session_transcript,
        name="session_transcript",
    ),
    path(
        "sessions/<int:session_pk>/transcript/again/",
        views.transcript_retry,
        name="transcript_retry",
    ),
    path(
        "transcript-lines/<int:line_pk>/",
        views.transcript_segment,
        name="transcript_segment",
    ),
    path(
        "transcript-lines/<int:line_pk>/edit/",
        views.transcript_segment_edit,
        name="transcript_segment_edit",
    ),
    path("sessions/<int:session_pk>/clips/", views.clip_create, name="clip_create"),
    path("clips/<int:clip_pk>/", views.clip_update, name="clip_update"),
    path("clips/<int:clip_pk>/delete/", views.clip_delete, name="clip_delete"),
    path("clips/<int:clip_pk>/audio/", views.clip_audio, name="clip_audio"),
    path(
        "r/<str:token>/clips/<int:clip_pk>/audio/",
        views.shared_clip_audio,
        name="shared_clip_audio",
    ),
]
