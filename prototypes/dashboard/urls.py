from django.urls import path

from prototypes.dashboard import views

urlpatterns = [
    path("home/", views.dashboard, name="dashboard"),
]
