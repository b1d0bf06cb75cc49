"""Pages of the assessment frameworks (namespace "assessments", under /assessments/frameworks/)."""

from django.urls import path

from ytcs.assessments import views_frameworks as views

urlpatterns = [
    path("frameworks/", views.framework_list_view, name="framework_list"),
    path("frameworks/import/", views.framework_import_view, name="framework_import"),
    path("frameworks/import/template.xlsx", views.framework_import_template_view, name="framework_import_template"),
    path("frameworks/<int:pk>/", views.framework_detail_view, name="framework_detail"),
    path("frameworks/<int:pk>/export.yaml", views.framework_export_yaml_view, name="framework_export_yaml"),
    path("frameworks/<int:pk>/export.xlsx", views.framework_export_xlsx_view, name="framework_export_xlsx"),
]
