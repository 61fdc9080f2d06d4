"""URL patterns for the dashboard pages of the actions app."""

urlpatterns = []
