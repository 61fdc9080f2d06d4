"""URL patterns for the circles pages of the guides app."""

urlpatterns = []
