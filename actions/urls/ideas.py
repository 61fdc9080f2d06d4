"""URL patterns for the ideas pages of the actions app."""

urlpatterns = []
