"""API routes of the workforce registry."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from ytcs.workforce.api import views

router = SimpleRouter()
router.register("staff", views.StaffViewSet, basename="staff")
router.register("titles", views.TitleViewSet, basename="title")
router.register("competencies", views.CompetencyViewSet, basename="competency")

urlpatterns = [
    path("staff/import/", views.StaffImportApi.as_view(), name="staff-import"),
    path("staff/export/", views.StaffExportApi.as_view(), name="staff-export"),
    path("staff/<int:pk>/move/", views.StaffMoveApi.as_view(), name="staff-move"),
    path("staff/<int:pk>/end/", views.StaffEndApi.as_view(), name="staff-end"),
    path("staff/<int:pk>/licences/", views.StaffLicenceListApi.as_view(), name="staff-licence-list"),
    path(
        "staff/<int:pk>/licences/<int:record_id>/", views.StaffLicenceDetailApi.as_view(), name="staff-licence-detail"
    ),
    path("staff/<int:pk>/certificates/", views.StaffCertificateListApi.as_view(), name="staff-certificate-list"),
    path(
        "staff/<int:pk>/certificates/<int:record_id>/",
        views.StaffCertificateDetailApi.as_view(),
        name="staff-certificate-detail",
    ),
    path("staff/<int:pk>/cme/", views.StaffCmeListApi.as_view(), name="staff-cme-list"),
    path("staff/<int:pk>/cme/<int:record_id>/", views.StaffCmeDetailApi.as_view(), name="staff-cme-detail"),
    path("licences/expiring/", views.LicenceExpiringApi.as_view(), name="licence-expiring"),
    path("licences/missing/", views.LicenceMissingApi.as_view(), name="licence-missing"),
    path("cme/shortfall/", views.CmeShortfallApi.as_view(), name="cme-shortfall"),
    path("returns/due/", views.ReturnsDueApi.as_view(), name="returns-due"),
    *router.urls,
]
