"""URL patterns for the assignment pages of the guides app (organizers only)."""

from django.urls import path

from ..views import assignment as views

urlpatterns = [
    path("manage/<slug:slug>/assignment/", views.AssignmentView.as_view(), name="assignment"),
    path(
        "manage/<slug:slug>/assignment/run/",
        views.AssignmentRunView.as_view(),
        name="assignment_run",
    ),
    path(
        "manage/<slug:slug>/assignment/together/",
        views.KeepTogetherListView.as_view(),
        name="assignment_pairs",
    ),
    path(
        "manage/<slug:slug>/assignment/together/<int:pk>/delete/",
        views.KeepTogetherDeleteView.as_view(),
        name="assignment_pair_delete",
    ),
    path(
        "manage/<slug:slug>/assignment/not-placed/",
        views.UnplacedView.as_view(),
        name="assignment_unplaced",
    ),
    path(
        "manage/<slug:slug>/assignment/circle/<int:pk>/",
        views.AssignmentCircleView.as_view(),
        name="assignment_circle",
    ),
    path(
        "manage/<slug:slug>/assignment/circle/<int:pk>/lock/",
        views.CircleLockView.as_view(),
        name="assignment_lock",
    ),
    path(
        "manage/<slug:slug>/assignment/member/<int:pk>/remove/",
        views.MemberRemoveView.as_view(),
        name="assignment_member_remove",
    ),
]
