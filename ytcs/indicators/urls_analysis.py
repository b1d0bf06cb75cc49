"""Pages: analysis (filled in by its own module)."""

urlpatterns: list = []
