"""Pages: the printed report on a unit against a target plan (namespace "indicators")."""

from django.urls import path

from ytcs.indicators import views_reports as views

urlpatterns = [
    path("report/", views.report_view, name="report"),
    path("report/report.pdf", views.report_pdf_view, name="report_pdf"),
    path("report/report.xlsx", views.report_xlsx_view, name="report_xlsx"),
]
