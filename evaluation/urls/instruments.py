"""URL patterns: see evaluation/views/instruments.py."""

from django.urls import path

from ..views import instruments as views

urlpatterns = [
    path(
        "manage/<slug:slug>/evaluation/surveys/",
        views.InstrumentListView.as_view(),
        name="instruments",
    ),
    path(
        "manage/<slug:slug>/evaluation/surveys/<int:pk>/",
        views.InstrumentDetailView.as_view(),
        name="instrument_detail",
    ),
    path(
        "manage/<slug:slug>/evaluation/surveys/<int:pk>/copy/",
        views.InstrumentCopyView.as_view(),
        name="instrument_copy",
    ),
    path(
        "manage/<slug:slug>/evaluation/surveys/<int:pk>/edit/",
        views.InstrumentEditView.as_view(),
        name="instrument_edit",
    ),
]
