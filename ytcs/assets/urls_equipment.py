"""Pages: equipment (filled in by its own module)."""

urlpatterns: list = []
