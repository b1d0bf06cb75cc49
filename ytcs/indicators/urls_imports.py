"""Pages: imports (filled in by its own module)."""

urlpatterns: list = []
