"""URL patterns: see evaluation/views/report.py."""

urlpatterns: list = []
