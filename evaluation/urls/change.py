"""URL patterns: see evaluation/views/change.py."""

urlpatterns: list = []
