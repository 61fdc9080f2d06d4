"""URL patterns for the public pages of the actions app."""

urlpatterns = []
