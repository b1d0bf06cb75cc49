"""API routes of the training reports, under /api/v1/training/reports/."""

from django.urls import path

from ytcs.training.api import report_views as views

urlpatterns = [
    path("training/reports/trained/", views.TrainedReportApi.as_view(), name="training-report-trained"),
    path("training/reports/plan-vs-done/", views.PlanVsDoneReportApi.as_view(), name="training-report-plan-vs-done"),
    path("training/reports/commitments/", views.CommitmentsReportApi.as_view(), name="training-report-commitments"),
]
