"""URL patterns for the meetings pages of the guides app."""

urlpatterns = []
