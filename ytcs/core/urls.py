from django.urls import path

from ytcs.core import views

app_name = "core"
urlpatterns = [path("", views.home, name="home")]
