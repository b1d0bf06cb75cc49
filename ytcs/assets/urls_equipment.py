"""Pages of the equipment area: landing, inventory, follow-up lists, gaps against the norms, catalogue."""

from django.urls import path

from ytcs.assets import views_equipment as views

urlpatterns = [
    path("", views.home_view, name="home"),
    path("equipment/", views.equipment_list_view, name="equipment_list"),
    path("equipment/export.xlsx", views.equipment_export_view, name="equipment_export"),
    path("equipment/template.xlsx", views.equipment_template_view, name="equipment_template"),
    path("equipment/import/", views.equipment_import_view, name="equipment_import"),
    path("equipment/new/", views.equipment_create_view, name="equipment_create"),
    path("equipment/broken/", views.out_of_order_view, name="broken"),
    path("equipment/maintenance/", views.maintenance_due_view, name="maintenance_due"),
    path("equipment/<int:pk>/", views.equipment_detail_view, name="equipment_detail"),
    path("equipment/<int:pk>/edit/", views.equipment_edit_view, name="equipment_edit"),
    path("equipment/<int:pk>/move/", views.equipment_move_view, name="equipment_move"),
    path("gaps/", views.gaps_view, name="gaps"),
    path("gaps/<str:type_code>/", views.gap_detail_view, name="gap_detail"),
    path("catalogue/", views.catalogue_list_view, name="catalogue_list"),
    path("catalogue/import/", views.catalogue_import_view, name="catalogue_import"),
    path("catalogue/<int:pk>/", views.catalogue_detail_view, name="catalogue_detail"),
    path("catalogue/<int:pk>/export.xlsx", views.catalogue_export_view, name="catalogue_export"),
    path("catalogue/<int:pk>/make-current/", views.catalogue_current_view, name="catalogue_make_current"),
    path("catalogue/<int:pk>/norms/new/", views.norm_form_view, {"new": True}, name="norm_create"),
    path("catalogue/norms/<int:pk>/edit/", views.norm_form_view, name="norm_edit"),
    path("catalogue/norms/<int:pk>/delete/", views.norm_delete_view, name="norm_delete"),
]
