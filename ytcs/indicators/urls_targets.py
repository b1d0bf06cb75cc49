"""Pages: targets (filled in by its own module)."""

urlpatterns: list = []
