"""URL patterns for the assignment pages of the guides app."""

urlpatterns = []
