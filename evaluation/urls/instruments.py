"""URL patterns: see evaluation/views/instruments.py."""

urlpatterns: list = []
