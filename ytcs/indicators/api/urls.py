"""API routes of routine data, indicators and targets, under /api/v1/."""

from ytcs.indicators.api import urls_analytics, urls_catalogue, urls_exchange, urls_targets

urlpatterns = [
    *urls_exchange.urlpatterns,
    *urls_analytics.urlpatterns,
    *urls_catalogue.urlpatterns,
    *urls_targets.urlpatterns,
]
