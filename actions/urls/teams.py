"""URL patterns for action teams, their members, goals and milestones (staff pages under
manage/<slug>/teams/; `pk` is the team, `id` the member, goal or milestone in it) and a
participant's "join a team" page reached with their manage link."""

from django.urls import path

from ..views import teams as views

T = "manage/<slug:slug>/teams/"

urlpatterns = [
    path(T, views.TeamListView.as_view(), name="teams"),
    path(f"{T}new/", views.TeamCreateView.as_view(), name="team_add"),
    path(f"{T}<int:pk>/", views.TeamDetailView.as_view(), name="team_detail"),
    path(f"{T}<int:pk>/edit/", views.TeamUpdateView.as_view(), name="team_edit"),
    path(f"{T}<int:pk>/delete/", views.TeamDeleteView.as_view(), name="team_delete"),
    path(f"{T}<int:pk>/members/", views.TeamMembersView.as_view(), name="team_members"),
    path(
        f"{T}<int:pk>/members/<int:id>/remove/",
        views.TeamMemberRemoveView.as_view(),
        name="team_member_remove",
    ),
    path(f"{T}<int:pk>/goals/new/", views.GoalCreateView.as_view(), name="goal_add"),
    path(f"{T}<int:pk>/goals/<int:id>/edit/", views.GoalUpdateView.as_view(), name="goal_edit"),
    path(
        f"{T}<int:pk>/goals/<int:id>/delete/",
        views.GoalDeleteView.as_view(),
        name="goal_delete",
    ),
    path(
        f"{T}<int:pk>/goals/<int:id>/milestones/new/",
        views.MilestoneCreateView.as_view(),
        name="milestone_add",
    ),
    path(
        f"{T}<int:pk>/milestones/<int:id>/edit/",
        views.MilestoneUpdateView.as_view(),
        name="milestone_edit",
    ),
    path(
        f"{T}<int:pk>/milestones/<int:id>/delete/",
        views.MilestoneDeleteView.as_view(),
        name="milestone_delete",
    ),
    path(
        "registration/<str:token>/teams/",
        views.ParticipantTeamsView.as_view(),
        name="participant_teams",
    ),
]
