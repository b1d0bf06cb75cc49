"""API routes of the equipment area, under /api/v1/assets/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from ytcs.assets.api import equipment as views

router = SimpleRouter()
router.register("assets/equipment-types", views.EquipmentTypeViewSet, basename="equipment-type")
router.register("assets/equipment-catalogues", views.EquipmentCatalogueViewSet, basename="equipment-catalogue")
router.register("assets/equipment", views.EquipmentItemViewSet, basename="equipment")

urlpatterns = [
    path("assets/equipment-catalogues/import/", views.CatalogueImportApi.as_view(), name="equipment-catalogue-import"),
    path(
        "assets/equipment-catalogues/<int:pk>/export/",
        views.CatalogueExportApi.as_view(),
        name="equipment-catalogue-export",
    ),
    path(
        "assets/equipment-catalogues/<int:pk>/make-current/",
        views.CatalogueMakeCurrentApi.as_view(),
        name="equipment-catalogue-make-current",
    ),
    path("assets/equipment/export/", views.EquipmentExportApi.as_view(), name="equipment-export"),
    path("assets/equipment/import/", views.EquipmentImportApi.as_view(), name="equipment-import"),
    path("assets/equipment/broken/", views.OutOfOrderApi.as_view(), name="equipment-broken"),
    path("assets/equipment/maintenance-due/", views.MaintenanceDueApi.as_view(), name="equipment-maintenance-due"),
    path("assets/equipment/gaps/", views.GapTableApi.as_view(), name="equipment-gaps"),
    path("assets/equipment/gaps/<str:type_code>/", views.GapDetailApi.as_view(), name="equipment-gap-detail"),
    path("assets/equipment/<int:pk>/move/", views.EquipmentMoveApi.as_view(), name="equipment-move"),
    *router.urls,
]
