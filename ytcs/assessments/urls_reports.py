"""Pages of the assessment reports (namespace "assessments", under /assessments/): scorecards and their PDF, a unit's
results across years, the ranking and its export."""

from django.urls import path

from ytcs.assessments import views_reports as views

urlpatterns = [
    path("<int:pk>/scorecard/", views.scorecard_view, name="scorecard"),
    path("<int:pk>/scorecard.pdf", views.scorecard_pdf_view, name="scorecard_pdf"),
    path("units/<str:code>/<slug:framework_code>/", views.unit_comparison_view, name="unit_comparison"),
    path("ranking/", views.ranking_view, name="ranking"),
    path("ranking/export.xlsx", views.ranking_export_view, name="ranking_export"),
]
