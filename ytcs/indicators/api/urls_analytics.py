"""API routes: analytics."""

urlpatterns: list = []
