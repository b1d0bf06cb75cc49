"""API routes of equipment, medicines and investment proposals, under /api/v1/assets/."""

from ytcs.assets.api import urls_equipment, urls_proposals, urls_stock

urlpatterns = [*urls_equipment.urlpatterns, *urls_proposals.urlpatterns, *urls_stock.urlpatterns]
