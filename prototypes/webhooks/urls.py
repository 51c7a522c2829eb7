from django.urls import path

from prototypes.webhooks import views

urlpatterns = [
    path("workspaces/<int:workspace_pk>/webhooks/", views.webhook_list, name="webhook_list"),
    path("webhooks/<int:endpoint_pk>/", views.webhook_detail, name="webhook_detail"),
    path("webhooks/<int:endpoint_pk>/delete/", views.webhook_delete, name="webhook_delete"),
    path(
        "webhook-deliveries/<int:delivery_pk>/redeliver/",
        views.delivery_redeliver,
        name="delivery_redeliver",
    ),
]
