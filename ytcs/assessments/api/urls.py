"""API routes of assessments, under /api/v1/: frameworks/ and assessments/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from ytcs.assessments.api import views

router = SimpleRouter()
router.register("frameworks", views.FrameworkViewSet, basename="assessment-framework")
router.register("assessments", views.AssessmentViewSet, basename="assessment")

urlpatterns = [
    path("frameworks/import/", views.FrameworkImportApi.as_view(), name="assessment-framework-import"),
    path("frameworks/<int:pk>/export/", views.FrameworkExportApi.as_view(), name="assessment-framework-export"),
    path("assessments/evidence/<int:pk>/", views.EvidenceDetailApi.as_view(), name="assessment-evidence-detail"),
    path("assessments/<int:pk>/answers/", views.AssessmentAnswersApi.as_view(), name="assessment-answers"),
    path("assessments/<int:pk>/submit/", views.AssessmentSubmitApi.as_view(), name="assessment-submit"),
    path("assessments/<int:pk>/verify/", views.AssessmentVerifyApi.as_view(), name="assessment-verify"),
    path("assessments/<int:pk>/return/", views.AssessmentReturnApi.as_view(), name="assessment-return"),
    path("assessments/<int:pk>/score/", views.AssessmentScoreApi.as_view(), name="assessment-score"),
    path("assessments/<int:pk>/evidence/", views.AssessmentEvidenceApi.as_view(), name="assessment-evidence"),
    *router.urls,
]
