"""URL patterns for the emails organizers send from the circles pages: the placement notices
(the circle, its meeting times and a calendar file, once per person and circle)."""

from django.urls import path

from ..views import circles as views

urlpatterns = [
    path(
        "manage/<slug:slug>/circles/placement-notices/",
        views.PlacementNoticesView.as_view(),
        name="circle_placement_notices",
    ),
]
