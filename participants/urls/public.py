"""URL patterns for the public pages of the participants app."""

urlpatterns = []
