"""URL patterns for the inclusion pages of the participants app."""

urlpatterns = []
