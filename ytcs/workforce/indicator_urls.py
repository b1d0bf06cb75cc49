"""Pages of the workforce indicators."""

app_name = "workforce_indicators"
urlpatterns: list = []
