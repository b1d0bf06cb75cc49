"""The /api/v1/ root: one router per app."""

from django.urls import include, path

urlpatterns = [
    path("", include("ytcs.orgunits.api.urls")),
    path("", include("ytcs.accounts.api.urls")),
    path("", include("ytcs.workforce.api.urls")),
    path("", include("ytcs.workforce.api.indicator_urls")),
    path("", include("ytcs.training.api.urls")),
    path("", include("ytcs.training.api.report_urls")),
    path("", include("ytcs.assessments.api.urls")),
    path("", include("ytcs.indicators.api.urls")),
    path("", include("ytcs.assets.api.urls")),
    path("", include("ytcs.supervision.api.urls")),
]
