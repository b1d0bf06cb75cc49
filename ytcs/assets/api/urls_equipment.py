"""API routes: equipment."""

urlpatterns: list = []
