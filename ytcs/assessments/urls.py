"""Pages of assessments: frameworks, the assessments of units and their workflow, scorecards and rankings."""

from ytcs.assessments import urls_assessments, urls_frameworks, urls_reports

app_name = "assessments"
urlpatterns = [*urls_assessments.urlpatterns, *urls_frameworks.urlpatterns, *urls_reports.urlpatterns]
