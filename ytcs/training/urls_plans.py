"""Pages of the training plan, the needs analysis and the training catalogues (namespace "training")."""

from django.urls import path

from ytcs.training import views_plans as views

urlpatterns = [
    path("", views.plan_list_view, name="plan_list"),
    path("plans/new/", views.plan_create_view, name="plan_create"),
    path("plans/<int:pk>/", views.plan_detail_view, name="plan_detail"),
    path("plans/<int:pk>/edit/", views.plan_edit_view, name="plan_edit"),
    path("plans/<int:pk>/adopt/", views.plan_adopt_view, name="plan_adopt"),
    path("plans/<int:pk>/close/", views.plan_close_view, name="plan_close"),
    path("plans/<int:pk>/delete/", views.plan_delete_view, name="plan_delete"),
    path("plans/<int:pk>/export.xlsx", views.plan_export_view, name="plan_export"),
    path("plans/<int:pk>/lines/new/", views.line_create_view, name="line_create"),
    path("lines/<int:pk>/", views.line_detail_view, name="line_detail"),
    path("lines/<int:pk>/edit/", views.line_edit_view, name="line_edit"),
    path("lines/<int:pk>/delete/", views.line_delete_view, name="line_delete"),
    path("lines/<int:pk>/seats/", views.seat_set_view, name="seat_set"),
    path("lines/<int:pk>/trainees/add/", views.trainee_add_view, name="trainee_add"),
    path("lines/<int:pk>/trainees/<int:trainee_pk>/remove/", views.trainee_remove_view, name="trainee_remove"),
    path("needs/", views.needs_view, name="needs"),
    path("needs/export.xlsx", views.needs_export_view, name="needs_export"),
    path("needs/propose/", views.needs_propose_view, name="needs_propose"),
    path("needs/norms/<slug:code>/", views.needs_norm_view, name="needs_norm"),
    path("courses/", views.course_list_view, name="course_list"),
    path("courses/new/", views.catalogue_form_view, {"kind": "course"}, name="course_create"),
    path("courses/<int:pk>/edit/", views.catalogue_form_view, {"kind": "course"}, name="course_edit"),
    path("norms/", views.norm_list_view, name="norm_list"),
    path("norms/new/", views.catalogue_form_view, {"kind": "norm"}, name="norm_create"),
    path("norms/<int:pk>/edit/", views.catalogue_form_view, {"kind": "norm"}, name="norm_edit"),
]
