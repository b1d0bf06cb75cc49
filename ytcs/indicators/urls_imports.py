"""Pages of data exchange: imports with their progress, the template, the export (namespace "indicators")."""

from django.urls import path

from ytcs.indicators import views_imports as views

urlpatterns = [
    path("imports/", views.import_list_view, name="import_list"),
    path("imports/new/", views.import_create_view, name="import_create"),
    path("imports/template/", views.import_template_view, name="import_template"),
    path("imports/<int:pk>/", views.import_detail_view, name="import_detail"),
    path("imports/<int:pk>/progress/", views.import_progress_view, name="import_progress"),
    path("exchange/export/", views.export_view, name="export"),
]
