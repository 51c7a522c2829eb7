from django.contrib.auth import views as auth_views
from django.urls import path

from prototypes.workspaces import accounts, views

urlpatterns = [
    path("", views.landing, name="landing"),
    path("signup/", accounts.signup, name="signup"),
    path("signup/sent/", accounts.signup_sent, name="signup_sent"),
    path("signup/<str:token>/", accounts.signup_confirm, name="signup_confirm"),
    path("login/", accounts.login_view, name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", accounts.password_reset, name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("workspaces/new/", views.workspace_create, name="workspace_create"),
    path("workspaces/<int:workspace_pk>/switch/", views.workspace_switch, name="workspace_switch"),
    path(
        "workspaces/<int:workspace_pk>/members/", views.workspace_members, name="workspace_members"
    ),
    path("memberships/<int:membership_pk>/", views.membership_update, name="membership_update"),
    path(
        "invitations/<int:invitation_pk>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
