from django.urls import path

from ytcs.orgunits import views

app_name = "orgunits"
urlpatterns = [
    path("", views.orgunit_list_view, name="list"),
    path("new/", views.orgunit_create_view, name="create"),
    path("export.xlsx", views.orgunit_export_view, name="export"),
    path("import/", views.orgunit_import_view, name="import"),
    path("import/template.xlsx", views.orgunit_template_view, name="import_template"),
    path("<str:code>/", views.orgunit_detail_view, name="detail"),
    path("<str:code>/edit/", views.orgunit_edit_view, name="edit"),
    path("<str:code>/close/", views.orgunit_close_view, name="close"),
    path("<str:code>/population/", views.population_save_view, name="population_save"),
    path("<str:code>/population/<int:year>/delete/", views.population_delete_view, name="population_delete"),
]
