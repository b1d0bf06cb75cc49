"""Pages: catalogue (filled in by its own module)."""

urlpatterns: list = []
