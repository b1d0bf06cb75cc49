"""Pages of the workforce indicators (chỉ số nhân lực), at /workforce/indicators/."""

from django.urls import path

from ytcs.workforce import indicator_views as views

app_name = "workforce_indicators"
urlpatterns = [
    path("", views.overview_view, name="overview"),
    path("people/", views.people_view, name="people"),
    path("people/export.xlsx", views.people_export_view, name="people_export"),
    path("stations/", views.stations_view, name="stations"),
    path("stations/export.xlsx", views.stations_export_view, name="stations_export"),
    path("export/<slug:table>.xlsx", views.export_view, name="export"),
]
