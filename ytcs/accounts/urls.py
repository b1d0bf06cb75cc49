from django.contrib.auth import views as auth_views
from django.urls import path

from ytcs.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("users/", views.user_list_view, name="user_list"),
    path("users/new/", views.user_create_view, name="user_create"),
    path("users/<int:pk>/", views.user_detail_view, name="user_detail"),
    path("users/<int:pk>/edit/", views.user_edit_view, name="user_edit"),
    path("users/<int:pk>/password/", views.user_password_view, name="user_password"),
    path("users/<int:pk>/roles/", views.role_assign_view, name="role_assign"),
    path("users/<int:pk>/roles/<int:role_pk>/delete/", views.role_revoke_view, name="role_revoke"),
]
