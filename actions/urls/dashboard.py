"""URL patterns for the dashboard pages of the actions app."""

from django.urls import path

from ..views import dashboard

urlpatterns = [
    path("progress/", dashboard.DashboardView.as_view(), name="dashboard"),
    path("progress/teams.csv", dashboard.DashboardExportView.as_view(), name="dashboard_csv"),
]
