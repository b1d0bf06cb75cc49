"""Pages of routine data, indicators and targets, under /indicators/."""

from ytcs.indicators import urls_analysis, urls_catalogue, urls_entry, urls_imports, urls_reports, urls_targets

app_name = "indicators"
urlpatterns = [
    *urls_analysis.urlpatterns,
    *urls_entry.urlpatterns,
    *urls_imports.urlpatterns,
    *urls_catalogue.urlpatterns,
    *urls_targets.urlpatterns,
    *urls_reports.urlpatterns,
]
