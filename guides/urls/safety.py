"""URL patterns of safety cases: the list, one case with its acknowledge and resolve steps,
and a participant's own report (reached with their private manage link)."""

from django.urls import path

from ..views import safety as views

urlpatterns = [
    path("manage/<slug:slug>/safety/", views.SafetyCaseListView.as_view(), name="safety_cases"),
    path(
        "manage/<slug:slug>/safety/<int:pk>/",
        views.SafetyCaseDetailView.as_view(),
        name="safety_case",
    ),
    path(
        "manage/<slug:slug>/safety/<int:pk>/acknowledge/",
        views.SafetyCaseAcknowledgeView.as_view(),
        name="safety_acknowledge",
    ),
    path(
        "manage/<slug:slug>/safety/<int:pk>/resolve/",
        views.SafetyCaseResolveView.as_view(),
        name="safety_resolve",
    ),
    path(
        "registration/<str:token>/safety/",
        views.ParticipantSafetyReportView.as_view(),
        name="safety_report",
    ),
]
