"""URL patterns of a meeting's needs: the printable meeting sheet, and marking one of its needs
arranged or not arranged."""

from django.urls import path

from ..views import needs as views

urlpatterns = [
    path(
        "manage/<slug:slug>/meetings/<int:pk>/sheet/",
        views.MeetingSheetView.as_view(),
        name="meeting_sheet",
    ),
    path(
        "manage/<slug:slug>/meetings/<int:pk>/needs/arrange/",
        views.NeedArrangeView.as_view(),
        name="need_arrange",
    ),
    path(
        "manage/<slug:slug>/meetings/<int:pk>/needs/unarrange/",
        views.NeedUnarrangeView.as_view(),
        name="need_unarrange",
    ),
]
