"""Pages: proposals (filled in by its own module)."""

urlpatterns: list = []
