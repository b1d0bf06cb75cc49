"""Pages: stock (filled in by its own module)."""

urlpatterns: list = []
