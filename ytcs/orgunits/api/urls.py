from django.urls import path
from rest_framework.routers import SimpleRouter

from ytcs.orgunits.api import views

router = SimpleRouter()
router.register("orgunits", views.OrgUnitViewSet, basename="orgunit")

urlpatterns = [
    path("orgunits/<str:code>/close/", views.OrgUnitCloseApi.as_view(), name="orgunit-close"),
    path("orgunits/<str:code>/populations/", views.OrgUnitPopulationApi.as_view(), name="orgunit-populations"),
    path("orgunits/<str:code>/audit/", views.OrgUnitAuditApi.as_view(), name="orgunit-audit"),
    *router.urls,
]
