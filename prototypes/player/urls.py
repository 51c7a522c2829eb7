from django.urls import path

from prototypes.player import api, views

urlpatterns = [
    # First: every batch of events comes here (see protoplatform/urls.py).
    path("api/sessions/<str:token>/events", api.events, name="api_events"),
    path("s/<str:token>/", views.player, name="player_start"),
    path("api/studies/<str:token>/sessions", api.session_start, name="api_session_start"),
    path("api/sessions/<str:token>", api.session_state, name="api_session_state"),
]
