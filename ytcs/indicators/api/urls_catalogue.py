"""API routes: catalogue."""

urlpatterns: list = []
