"""Pages: target plans, their targets and the units at risk (namespace "indicators")."""

from django.urls import path

from ytcs.indicators import views_targets as views

urlpatterns = [
    path("targets/", views.target_plan_list_view, name="target_plan_list"),
    path("targets/new/", views.target_plan_create_view, name="target_plan_create"),
    path("targets/<slug:code>/", views.target_plan_detail_view, name="target_plan_detail"),
    path("targets/<slug:code>/edit/", views.target_plan_edit_view, name="target_plan_edit"),
    path("targets/<slug:code>/delete/", views.target_plan_delete_view, name="target_plan_delete"),
    path("targets/<slug:code>/grid/", views.target_grid_view, name="target_grid"),
    path("targets/<slug:code>/import/", views.target_import_view, name="target_import"),
    path("targets/<slug:code>/export.xlsx", views.target_export_view, name="target_export"),
    path("at-risk/", views.at_risk_view, name="at_risk"),
]
