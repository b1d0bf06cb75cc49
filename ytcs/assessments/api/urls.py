"""API routes of assessments."""

urlpatterns: list = []
