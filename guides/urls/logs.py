"""URL patterns for the logs pages of the guides app."""

urlpatterns = []
