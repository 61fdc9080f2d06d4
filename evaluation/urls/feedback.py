"""URL patterns: see evaluation/views/feedback.py."""

urlpatterns: list = []
