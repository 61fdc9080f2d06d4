"""URL patterns: see evaluation/views/survey.py."""

urlpatterns: list = []
