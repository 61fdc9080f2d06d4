"""URL patterns for the session log pages of the guides app: approved logs across circles,
and one meeting's log with its draft, submit, approve and send-back steps."""

from django.urls import path

from ..views import logs as views

urlpatterns = [
    path("manage/<slug:slug>/logs/", views.LogListView.as_view(), name="logs"),
    path(
        "manage/<slug:slug>/meetings/<int:pk>/log/",
        views.LogDetailView.as_view(),
        name="log_detail",
    ),
    path(
        "manage/<slug:slug>/meetings/<int:pk>/log/edit/",
        views.LogEditView.as_view(),
        name="log_edit",
    ),
    path(
        "manage/<slug:slug>/meetings/<int:pk>/log/submit/",
        views.LogSubmitView.as_view(),
        name="log_submit",
    ),
    path(
        "manage/<slug:slug>/meetings/<int:pk>/log/approve/",
        views.LogApproveView.as_view(),
        name="log_approve",
    ),
    path(
        "manage/<slug:slug>/meetings/<int:pk>/log/return/",
        views.LogReturnView.as_view(),
        name="log_return",
    ),
]
