"""URL patterns of the change report: see evaluation/views/change.py."""

from django.urls import path

from ..views import change as views

urlpatterns = [
    path(
        "manage/<slug:slug>/evaluation/change/",
        views.ChangeReportView.as_view(),
        name="change",
    ),
    path(
        "manage/<slug:slug>/evaluation/change.csv",
        views.ChangeExportView.as_view(),
        name="change_export",
    ),
]
