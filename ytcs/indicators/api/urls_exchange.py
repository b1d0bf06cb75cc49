"""API routes of data exchange, under /api/v1/: dataValueSets (DHIS2's format) and the caller's import jobs."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from ytcs.indicators.api import exchange

router = SimpleRouter()
router.register("import-jobs", exchange.ImportJobViewSet, basename="import-job")

urlpatterns = [
    path("dataValueSets", exchange.DataValueSetsApi.as_view(), name="datavaluesets"),
    *router.urls,
]
