"""URL patterns for the staff pages of the participants app."""

urlpatterns = []
