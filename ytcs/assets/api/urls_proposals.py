"""API routes: proposals."""

urlpatterns: list = []
