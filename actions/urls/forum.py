"""URL patterns for the action forum: ballots, paper votes and results (staff), and the
participant's own voting page reached from their private manage link."""

from django.urls import path

from ..views import forum as views

urlpatterns = [
    path("manage/<slug:slug>/forum/", views.BallotListView.as_view(), name="forum"),
    path("manage/<slug:slug>/forum/new/", views.BallotCreateView.as_view(), name="ballot_add"),
    path(
        "manage/<slug:slug>/forum/<int:pk>/edit/",
        views.BallotUpdateView.as_view(),
        name="ballot_edit",
    ),
    path(
        "manage/<slug:slug>/forum/<int:pk>/results/",
        views.BallotResultsView.as_view(),
        name="ballot_results",
    ),
    path(
        "manage/<slug:slug>/forum/<int:pk>/paper/",
        views.PaperVoteView.as_view(),
        name="paper_vote",
    ),
    path(
        "registration/<str:token>/forum/",
        views.ParticipantForumView.as_view(),
        name="participant_forum",
    ),
]
