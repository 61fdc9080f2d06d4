"""URL patterns for the library pages of the guides app."""

urlpatterns = []
