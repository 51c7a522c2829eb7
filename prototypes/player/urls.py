from django.urls import path

from prototypes.player import api, views

urlpatterns = [
    path("s/<str:token>/", views.player, name="player_start"),
    path("api/studies/<str:token>/sessions", api.session_start, name="api_session_start"),
    path("api/sessions/<str:token>", api.session_state, name="api_session_state"),
    path("api/sessions/<str:token>/events", api.events, name="api_events"),
]
