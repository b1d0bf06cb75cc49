"""Pages of equipment, medicines and investment proposals, under /assets/."""

from ytcs.assets import urls_equipment, urls_proposals, urls_stock

app_name = "assets"
urlpatterns = [*urls_equipment.urlpatterns, *urls_proposals.urlpatterns, *urls_stock.urlpatterns]
