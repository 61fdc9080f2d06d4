"""URL patterns for the teams pages of the actions app."""

urlpatterns = []
