"""Pages: the medicine list and the stock ledger (danh mục thuốc, sổ kho thuốc)."""

from django.urls import path

from ytcs.assets import views_stock as views

urlpatterns = [
    path("medicines/", views.medicine_lists_view, name="medicine_lists"),
    path("medicines/import/", views.medicine_list_import_view, name="medicine_list_import"),
    path("medicines/<int:pk>/export/", views.medicine_list_export_view, name="medicine_list_export"),
    path("stock/", views.stock_view, name="stock"),
    path("stock/ledger/", views.stock_ledger_view, name="stock_ledger"),
    path("stock/receive/", views.stock_receive_view, name="stock_receive"),
    path("stock/issue/", views.stock_issue_view, name="stock_issue"),
    path("stock/adjust/", views.stock_adjust_view, name="stock_adjust"),
    path("stock/transfer/", views.stock_transfer_view, name="stock_transfer"),
    path("stock/alerts/", views.stock_alerts_view, name="stock_alerts"),
    path("stock/report/", views.stock_report_view, name="stock_report"),
]
