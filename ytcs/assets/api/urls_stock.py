"""API routes of the medicine list and the stock ledger, under /api/v1/assets/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from ytcs.assets.api import stock as views

router = SimpleRouter()
router.register("assets/stock/entries", views.StockEntryViewSet, basename="assets-stock-entry")

urlpatterns = [
    path("assets/medicines/", views.MedicinesApi.as_view(), name="assets-medicines"),
    path("assets/medicine-lists/", views.MedicineListsApi.as_view(), name="assets-medicine-lists"),
    path("assets/medicine-lists/import/", views.MedicineListImportApi.as_view(), name="assets-medicine-list-import"),
    path(
        "assets/medicine-lists/<int:pk>/export/",
        views.MedicineListExportApi.as_view(),
        name="assets-medicine-list-export",
    ),
    path("assets/stock/balances/", views.StockBalancesApi.as_view(), name="assets-stock-balances"),
    path("assets/stock/receipts/", views.StockReceiptApi.as_view(), name="assets-stock-receipts"),
    path("assets/stock/issues/", views.StockIssueApi.as_view(), name="assets-stock-issues"),
    path("assets/stock/adjustments/", views.StockAdjustmentApi.as_view(), name="assets-stock-adjustments"),
    path("assets/stock/transfers/", views.StockTransferApi.as_view(), name="assets-stock-transfers"),
    path("assets/stock/alerts/", views.StockAlertsApi.as_view(), name="assets-stock-alerts"),
    path("assets/stock/alerts/items/", views.StockAlertItemsApi.as_view(), name="assets-stock-alert-items"),
    path("assets/stock/report/", views.StockReportApi.as_view(), name="assets-stock-report"),
    *router.urls,
]
