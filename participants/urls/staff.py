"""URL patterns for the staff pages of the participants app: registration settings, the
participant list and its export, one participant, staff entry, and CSV import."""

from django.urls import path

from ..views import staff as views

urlpatterns = [
    path(
        "manage/<slug:slug>/participants/",
        views.RosterView.as_view(),
        name="roster",
    ),
    path(
        "manage/<slug:slug>/participants/export.csv",
        views.RosterExportView.as_view(),
        name="roster_export",
    ),
    path(
        "manage/<slug:slug>/participants/settings/",
        views.RegistrationSettingsView.as_view(),
        name="registration_settings",
    ),
    path(
        "manage/<slug:slug>/participants/new/",
        views.ParticipantAddView.as_view(),
        name="participant_add",
    ),
    path(
        "manage/<slug:slug>/participants/<int:pk>/",
        views.ParticipantDetailView.as_view(),
        name="participant",
    ),
    path(
        "manage/<slug:slug>/participants/<int:pk>/withdraw/",
        views.ParticipantWithdrawView.as_view(),
        name="participant_withdraw",
    ),
    path(
        "manage/<slug:slug>/participants/import/",
        views.ImportView.as_view(),
        name="import",
    ),
    path(
        "manage/<slug:slug>/participants/import/review/",
        views.ImportReviewView.as_view(),
        name="import_review",
    ),
    path(
        "manage/<slug:slug>/participants/import/template.csv",
        views.ImportTemplateView.as_view(),
        name="import_template",
    ),
]
