"""URL patterns for the outreach pages of the participants app."""

urlpatterns = []
