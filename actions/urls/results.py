"""URL patterns for what came of the action phase: the coalition lead's progress dashboard
across initiatives (and its per-team and per-milestone CSVs), and the public results page of a published
initiative."""

from django.urls import path

from ..views import results as views

urlpatterns = [
    path("progress/", views.DashboardView.as_view(), name="dashboard"),
    path("progress/teams.csv", views.DashboardExportView.as_view(), name="dashboard_csv"),
    path(
        "progress/milestones.csv",
        views.DashboardMilestoneExportView.as_view(),
        name="dashboard_milestones_csv",
    ),
    path("initiatives/<slug:slug>/results/", views.PublicResultsView.as_view(), name="results"),
]
