"""API routes of the workforce indicators."""

urlpatterns: list = []
