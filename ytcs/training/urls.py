"""Pages of training management: the plan and the needs analysis, classes and sponsored training, reports."""

from ytcs.training import urls_classes, urls_plans, urls_reports

app_name = "training"
urlpatterns = [*urls_plans.urlpatterns, *urls_classes.urlpatterns, *urls_reports.urlpatterns]
