"""Pages: the indicator dashboards (the menu's "Chỉ số") and the analysis page with its .xlsx export."""

from django.urls import path

from ytcs.indicators import views_analysis as views

urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("dashboard/", views.dashboard_view, name="dashboard_unit"),
    path("analysis/", views.analysis_view, name="analysis"),
    path("analysis/export.xlsx", views.analysis_export_view, name="analysis_export"),
]
