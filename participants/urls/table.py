"""URL patterns of sign-up table mode: starting it (a staff page) and leaving it (on the
table's public pages, by signing in again)."""

from django.urls import path

from ..views import table as views

urlpatterns = [
    path(
        "manage/<slug:slug>/participants/table/",
        views.TableStartView.as_view(),
        name="table_start",
    ),
    path(
        "initiatives/<slug:slug>/register/table/leave/",
        views.TableLeaveView.as_view(),
        name="table_leave",
    ),
]
