"""URL patterns for the circles pages of the guides app: the overview, my circles, one circle,
creating, editing and deleting a circle, and emailing the placement notices (the circle, its
meeting times and a calendar file, once per person and circle)."""

from django.urls import path

from ..views import circles as views

urlpatterns = [
    path("manage/<slug:slug>/circles/", views.CirclesOverviewView.as_view(), name="circles"),
    path("manage/<slug:slug>/circles/mine/", views.MyCirclesView.as_view(), name="my_circles"),
    path("manage/<slug:slug>/circles/new/", views.CircleCreateView.as_view(), name="circle_add"),
    path(
        "manage/<slug:slug>/circles/<int:pk>/",
        views.CircleDetailView.as_view(),
        name="circle_detail",
    ),
    path(
        "manage/<slug:slug>/circles/<int:pk>/edit/",
        views.CircleUpdateView.as_view(),
        name="circle_edit",
    ),
    path(
        "manage/<slug:slug>/circles/<int:pk>/delete/",
        views.CircleDeleteView.as_view(),
        name="circle_delete",
    ),
    path(
        "manage/<slug:slug>/circles/placement-notices/",
        views.PlacementNoticesView.as_view(),
        name="circle_placement_notices",
    ),
]
