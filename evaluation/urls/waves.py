"""URL patterns: see evaluation/views/waves.py."""

urlpatterns: list = []
