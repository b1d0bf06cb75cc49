"""DHIS2-compatible paths (/api/dataValueSets, /api/dataValues, /api/me, /api/system/info, the import tasks), so
DHIS2 clients work unchanged; also with an API version (/api/41/dataValueSets) or ".json" (/api/me.json)."""

from django.urls import path, re_path

from ytcs.indicators.api import dhis2

# "/api/41/x", "/api/x.json", "/api/41/x.json" (never "/api/x" itself, which the plain route serves).
COMPAT = r"^(?:\d{{2}}/{name}(?:\.json)?|{name}\.json)$"

urlpatterns = [
    path("dataValueSets", dhis2.Dhis2DataValueSetsApi.as_view(), name="dhis2-datavaluesets"),
    path("dataValues", dhis2.Dhis2DataValuesApi.as_view(), name="dhis2-datavalues"),
    path("me", dhis2.Dhis2MeApi.as_view(), name="dhis2-me"),
    path("system/info", dhis2.Dhis2SystemInfoApi.as_view(), name="dhis2-system-info"),
    path("system/tasks/DATAVALUE_IMPORT/<int:pk>", dhis2.Dhis2TaskApi.as_view(), name="dhis2-task"),
    path(
        "system/taskSummaries/DATAVALUE_IMPORT/<int:pk>",
        dhis2.Dhis2TaskSummaryApi.as_view(),
        name="dhis2-task-summary",
    ),
    re_path(
        COMPAT.format(name="dataValueSets"),
        dhis2.Dhis2DataValueSetsCompatApi.as_view(),
        name="dhis2-datavaluesets-compat",
    ),
    re_path(COMPAT.format(name="dataValues"), dhis2.Dhis2DataValuesCompatApi.as_view(), name="dhis2-datavalues-compat"),
    re_path(COMPAT.format(name="me"), dhis2.Dhis2MeCompatApi.as_view(), name="dhis2-me-compat"),
    re_path(
        COMPAT.format(name=r"system/info"),
        dhis2.Dhis2SystemInfoCompatApi.as_view(),
        name="dhis2-system-info-compat",
    ),
]
