"""API routes: target plans and their targets, the units at risk, the printed report (under /api/v1/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from ytcs.indicators.api import targets as views

router = SimpleRouter()
router.register("target-plans", views.TargetPlanViewSet, basename="target-plan")

urlpatterns = [
    path("target-plans/<slug:code>/targets/", views.TargetPlanTargetsApi.as_view(), name="target-plan-targets"),
    path("targets/at-risk/", views.TargetsAtRiskApi.as_view(), name="targets-at-risk"),
    path("indicators-report/", views.IndicatorsReportApi.as_view(), name="indicators-report"),
    *router.urls,
]
