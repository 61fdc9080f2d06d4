"""URL patterns for the organizers' queue of participants' requests for another circle."""

from django.urls import path

from ..views import requests as views

urlpatterns = [
    path(
        "manage/<slug:slug>/assignment/requests/",
        views.MoveRequestsView.as_view(),
        name="move_requests",
    ),
    path(
        "manage/<slug:slug>/assignment/requests/<int:pk>/",
        views.MoveRequestView.as_view(),
        name="move_request",
    ),
    path(
        "manage/<slug:slug>/assignment/requests/<int:pk>/decline/",
        views.MoveRequestDeclineView.as_view(),
        name="move_request_decline",
    ),
]
