from django.urls import path

from ytcs.workforce import views

app_name = "workforce"
urlpatterns = [
    path("", views.staff_list_view, name="staff_list"),
    path("new/", views.staff_create_view, name="staff_create"),
    path("export.xlsx", views.staff_export_view, name="staff_export"),
    path("import/", views.staff_import_view, name="staff_import"),
    path("import/template.xlsx", views.staff_template_view, name="staff_import_template"),
    path("licences/expiring/", views.licences_expiring_view, name="licences_expiring"),
    path("licences/missing/", views.licences_missing_view, name="licences_missing"),
    path("cme/shortfall/", views.cme_shortfall_view, name="cme_shortfall"),
    path("returns/", views.returns_due_view, name="returns_due"),
    path("titles/", views.title_list_view, name="title_list"),
    path("titles/new/", views.catalogue_form_view, {"kind": "title"}, name="title_create"),
    path("titles/<int:pk>/edit/", views.catalogue_form_view, {"kind": "title"}, name="title_edit"),
    path("competencies/", views.competency_list_view, name="competency_list"),
    path("competencies/new/", views.catalogue_form_view, {"kind": "competency"}, name="competency_create"),
    path("competencies/<int:pk>/edit/", views.catalogue_form_view, {"kind": "competency"}, name="competency_edit"),
    path("<int:pk>/", views.staff_detail_view, name="staff_detail"),
    path("<int:pk>/edit/", views.staff_edit_view, name="staff_edit"),
    path("<int:pk>/move/", views.staff_move_view, name="staff_move"),
    path("<int:pk>/end/", views.staff_end_view, name="staff_end"),
    path("<int:pk>/licences/new/", views.record_form_view, {"kind": "licence"}, name="licence_create"),
    path("<int:pk>/licences/<int:record_pk>/edit/", views.record_form_view, {"kind": "licence"}, name="licence_edit"),
    path(
        "<int:pk>/licences/<int:record_pk>/delete/",
        views.record_delete_view,
        {"kind": "licence"},
        name="licence_delete",
    ),
    path("<int:pk>/certificates/new/", views.record_form_view, {"kind": "certificate"}, name="certificate_create"),
    path(
        "<int:pk>/certificates/<int:record_pk>/edit/",
        views.record_form_view,
        {"kind": "certificate"},
        name="certificate_edit",
    ),
    path(
        "<int:pk>/certificates/<int:record_pk>/delete/",
        views.record_delete_view,
        {"kind": "certificate"},
        name="certificate_delete",
    ),
    path("<int:pk>/cme/new/", views.record_form_view, {"kind": "cme"}, name="cme_create"),
    path("<int:pk>/cme/<int:record_pk>/edit/", views.record_form_view, {"kind": "cme"}, name="cme_edit"),
    path("<int:pk>/cme/<int:record_pk>/delete/", views.record_delete_view, {"kind": "cme"}, name="cme_delete"),
]
