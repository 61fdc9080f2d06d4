"""URL patterns for the forum pages of the actions app."""

urlpatterns = []
