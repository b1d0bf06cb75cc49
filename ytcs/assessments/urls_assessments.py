"""Routes of the assessment workflow (namespace "assessments", under /assessments/)."""

from django.urls import path

from ytcs.assessments import views_assessments as views

urlpatterns = [
    path("", views.assessment_list_view, name="assessment_list"),
    path("new/", views.assessment_create_view, name="assessment_create"),
    path("<int:pk>/", views.assessment_detail_view, name="assessment_detail"),
    path("<int:pk>/answers/", views.answer_save_view, name="answer_save"),
    path("<int:pk>/evidence/", views.evidence_upload_view, name="evidence_upload"),
    path("<int:pk>/submit/", views.assessment_submit_view, name="assessment_submit"),
    path("<int:pk>/verify/", views.assessment_verify_view, name="assessment_verify"),
    path("<int:pk>/return/", views.assessment_return_view, name="assessment_return"),
    path("evidence/<int:pk>/", views.evidence_download_view, name="evidence_download"),
    path("evidence/<int:pk>/delete/", views.evidence_delete_view, name="evidence_delete"),
]
