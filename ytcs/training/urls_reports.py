"""Pages of the training reports, under /training/reports/ (namespace "training", from ytcs/training/urls.py)."""

from django.urls import path

from ytcs.training import views_reports as views

urlpatterns = [
    path("reports/", views.reports_view, name="reports"),
    path("reports/trained/", views.trained_view, name="report_trained"),
    path("reports/trained/export.xlsx", views.trained_export_view, name="report_trained_export"),
    path("reports/plan-vs-done/", views.plan_vs_done_view, name="report_plan_vs_done"),
    path("reports/plan-vs-done/export.xlsx", views.plan_vs_done_export_view, name="report_plan_vs_done_export"),
    path("reports/commitments/", views.commitments_view, name="report_commitments"),
    path("reports/commitments/export.xlsx", views.commitments_export_view, name="report_commitments_export"),
    path("reports/region/<str:code>.pdf", views.region_pdf_view, name="report_region_pdf"),
]
