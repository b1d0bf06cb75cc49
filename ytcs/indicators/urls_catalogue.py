"""Pages of the catalogue of routine data and indicators, under /indicators/catalogue/ (namespace "indicators")."""

from django.urls import path

from ytcs.indicators import views_catalogue as views

# Each kind of entry: its list, the page of one entry (where it has one), and the forms.
_KINDS = (
    ("element", "data-elements", views.element_list_view, views.element_detail_view),
    ("dataset", "data-sets", views.dataset_list_view, views.dataset_detail_view),
    ("indicator", "indicators", views.indicator_list_view, views.indicator_detail_view),
    ("rule", "validation-rules", views.rule_list_view, views.rule_detail_view),
    ("constant", "constants", views.constant_list_view, None),
    ("combo", "disaggregations", views.combo_list_view, views.combo_detail_view),
    ("category", "categories", None, None),
)


def _routes(kind: str, prefix: str, list_view, detail_view) -> list:
    base = f"catalogue/{prefix}/"
    routes = []
    if list_view is not None:
        routes.append(path(base, list_view, name=f"catalogue_{kind}_list"))
    routes += [
        path(f"{base}new/", views.catalogue_form_view, {"kind": kind}, name=f"catalogue_{kind}_create"),
        path(f"{base}<str:code>/edit/", views.catalogue_form_view, {"kind": kind}, name=f"catalogue_{kind}_edit"),
        path(f"{base}<str:code>/delete/", views.catalogue_delete_view, {"kind": kind}, name=f"catalogue_{kind}_delete"),
    ]
    if detail_view is not None:
        routes.append(path(f"{base}<str:code>/", detail_view, name=f"catalogue_{kind}_detail"))
    return routes


urlpatterns = [
    path("catalogue/", views.catalogue_view, name="catalogue"),
    path("catalogue/export.yaml", views.export_view, name="catalogue_export"),
    path("catalogue/import/", views.import_view, name="catalogue_import"),
    path("catalogue/check-expression/", views.check_expression_view, name="catalogue_check_expression"),
    *[route for spec in _KINDS for route in _routes(*spec)],
]
