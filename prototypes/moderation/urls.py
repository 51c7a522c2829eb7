from django.urls import path

from prototypes.moderation import api, views

urlpatterns = [
    path("m/<str:token>/", api.moderated_player, name="moderated_player"),
    path("api/moderated/<str:token>/attach", api.attach, name="moderated_api_attach"),
    path("api/moderated/<str:token>/commands", api.commands, name="moderated_api_commands"),
    path("api/moderated/<str:token>/stream", api.command_stream, name="moderated_api_stream"),
    path("api/moderated/<str:token>/route", api.route, name="moderated_api_route"),
    path("api/moderated/<str:token>/turn", api.turn, name="moderated_api_turn"),
    path("studies/<int:study_pk>/moderated/", views.moderated_sessions, name="moderated_sessions"),
    path("moderated/<int:moderated_pk>/", views.moderated_console, name="moderated_console"),
    path(
        "moderated/<int:moderated_pk>/command/",
        views.moderated_command,
        name="moderated_command",
    ),
    path("moderated/<int:moderated_pk>/feed/", views.moderated_feed, name="moderated_feed"),
    path("moderated/<int:moderated_pk>/stream/", views.moderated_stream, name="moderated_stream"),
    path("moderated/<int:moderated_pk>/notes/", views.moderated_note, name="moderated_note"),
    path(
        "moderated/notes/<int:facilitator_note_pk>/quote/",
        views.facilitator_note_quote,
        name="facilitator_note_quote",
    ),
    path(
        "moderated/<int:moderated_pk>/turns/<int:turn_pk>/",
        views.wizard_answer,
        name="wizard_answer",
    ),
]
