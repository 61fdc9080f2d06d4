"""URL patterns for the public pages of the actions app."""

from django.urls import path

from ..views import public

urlpatterns = [
    path("initiatives/<slug:slug>/results/", public.PublicResultsView.as_view(), name="results"),
]
