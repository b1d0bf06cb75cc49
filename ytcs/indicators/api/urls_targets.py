"""API routes: targets."""

urlpatterns: list = []
