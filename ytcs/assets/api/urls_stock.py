"""API routes: stock."""

urlpatterns: list = []
