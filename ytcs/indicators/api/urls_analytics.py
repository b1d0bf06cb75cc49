"""API routes: analytics (indicator values against targets, trend and projection), under /api/v1/."""

from django.urls import path

from ytcs.indicators.api import analytics

urlpatterns = [
    path("analytics/", analytics.AnalyticsApi.as_view(), name="analytics"),
    path("analytics/outlook/", analytics.AnalyticsOutlookApi.as_view(), name="analytics-outlook"),
]
