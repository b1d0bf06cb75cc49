"""Routes of classes, enrolments and sponsored training (namespace "training", under /training/)."""

from django.urls import path

from ytcs.training import views_classes as views

urlpatterns = [
    path("classes/", views.class_list_view, name="class_list"),
    path("classes/new/", views.class_create_view, name="class_create"),
    path("classes/<int:pk>/", views.class_detail_view, name="class_detail"),
    path("classes/<int:pk>/edit/", views.class_edit_view, name="class_edit"),
    path("classes/<int:pk>/export.xlsx", views.class_export_view, name="class_export"),
    path("classes/<int:pk>/enrol/", views.enrol_view, name="enrol"),
    path("classes/<int:pk>/results/", views.enrolment_results_view, name="enrolment_results"),
    path("classes/<int:pk>/complete/", views.class_complete_view, name="class_complete"),
    path("classes/<int:pk>/reopen/", views.class_reopen_view, name="class_reopen"),
    path("classes/<int:pk>/cancel/", views.class_cancel_view, name="class_cancel"),
    path("enrolments/<int:pk>/withdraw/", views.enrolment_withdraw_view, name="enrolment_withdraw"),
    path("sponsorships/", views.sponsorship_list_view, name="sponsorship_list"),
    path("sponsorships/new/", views.sponsorship_create_view, name="sponsorship_create"),
    path("sponsorships/export.xlsx", views.sponsorship_export_view, name="sponsorship_export"),
    path("sponsorships/returns/", views.upcoming_returns_view, name="upcoming_returns"),
    path("sponsorships/<int:pk>/", views.sponsorship_detail_view, name="sponsorship_detail"),
    path("sponsorships/<int:pk>/edit/", views.sponsorship_edit_view, name="sponsorship_edit"),
    path("sponsorships/<int:pk>/return/", views.sponsorship_return_view, name="sponsorship_return"),
    path("sponsorships/<int:pk>/breach/", views.sponsorship_breach_view, name="sponsorship_breach"),
    path("sponsorships/<int:pk>/reimbursed/", views.sponsorship_reimbursed_view, name="sponsorship_reimbursed"),
    path("staff/<int:pk>/", views.staff_training_view, name="staff_training"),
]
