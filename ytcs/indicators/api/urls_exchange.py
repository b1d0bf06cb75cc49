"""API routes: exchange."""

urlpatterns: list = []
