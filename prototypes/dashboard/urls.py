from django.urls import path

from prototypes.dashboard import views

urlpatterns = [
    path("home/", views.dashboard, name="dashboard"),
    path("studies/<int:study_pk>/verdict/", views.study_verdict_badge, name="study_verdict_badge"),
]
