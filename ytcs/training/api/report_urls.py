"""API routes of training management."""

urlpatterns: list = []
