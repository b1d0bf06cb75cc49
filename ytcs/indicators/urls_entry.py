"""Pages: entry (filled in by its own module)."""

urlpatterns: list = []
