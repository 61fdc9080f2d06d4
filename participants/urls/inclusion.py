"""URL patterns for the inclusion pages of the participants app."""

from django.urls import path

from ..views import inclusion as views

urlpatterns = [
    path(
        "manage/<slug:slug>/inclusion/",
        views.InclusionDashboardView.as_view(),
        name="inclusion",
    ),
    path(
        "manage/<slug:slug>/inclusion/export.csv",
        views.InclusionExportView.as_view(),
        name="inclusion_export",
    ),
    path(
        "manage/<slug:slug>/inclusion/targets/",
        views.TargetListView.as_view(),
        name="inclusion_targets",
    ),
    path(
        "manage/<slug:slug>/inclusion/targets/add/",
        views.TargetAddView.as_view(),
        name="inclusion_target_add",
    ),
    path(
        "manage/<slug:slug>/inclusion/targets/<int:pk>/edit/",
        views.TargetEditView.as_view(),
        name="inclusion_target_edit",
    ),
    path(
        "manage/<slug:slug>/inclusion/targets/<int:pk>/delete/",
        views.TargetDeleteView.as_view(),
        name="inclusion_target_delete",
    ),
]
