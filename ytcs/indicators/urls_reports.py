"""Pages: reports (filled in by its own module)."""

urlpatterns: list = []
