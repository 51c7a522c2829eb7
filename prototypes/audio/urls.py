from django.urls import path

from prototypes.audio import api, views

urlpatterns = [
    path("api/sessions/<str:token>/audio", api.upload_chunk, name="api_audio_chunk"),
    path("sessions/<int:session_pk>/audio/", views.session_audio, name="session_audio"),
    path(
        "sessions/<int:session_pk>/audio/<int:segment>",
        views.audio_segment,
        name="audio_segment",
    ),
]
