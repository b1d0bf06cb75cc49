from django.urls import path
from rest_framework.routers import SimpleRouter

from ytcs.accounts.api import views

router = SimpleRouter()
router.register("users", views.UserViewSet, basename="user")
urlpatterns = [path("me/", views.MeApi.as_view(), name="me"), *router.urls]
