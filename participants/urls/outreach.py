"""URL patterns for the outreach pages of the participants app."""

from django.urls import path

from ..views import outreach as views

urlpatterns = [
    path("join/<slug:code>/", views.ReferralJoinView.as_view(), name="referral_join"),
    path("manage/<slug:slug>/outreach/", views.OutreachActivityListView.as_view(), name="outreach"),
    path(
        "manage/<slug:slug>/outreach/new/",
        views.OutreachActivityCreateView.as_view(),
        name="outreach_add",
    ),
    path(
        "manage/<slug:slug>/outreach/<int:pk>/edit/",
        views.OutreachActivityUpdateView.as_view(),
        name="outreach_edit",
    ),
    path(
        "manage/<slug:slug>/outreach/<int:pk>/delete/",
        views.OutreachActivityDeleteView.as_view(),
        name="outreach_delete",
    ),
    path(
        "manage/<slug:slug>/outreach/attribution/",
        views.AttributionView.as_view(),
        name="outreach_attribution",
    ),
    path(
        "manage/<slug:slug>/outreach/links/",
        views.ReferralLinkListView.as_view(),
        name="referral_links",
    ),
    path(
        "manage/<slug:slug>/outreach/links/new/",
        views.ReferralLinkCreateView.as_view(),
        name="referral_link_add",
    ),
    path(
        "manage/<slug:slug>/outreach/links/<int:pk>/delete/",
        views.ReferralLinkDeleteView.as_view(),
        name="referral_link_delete",
    ),
]
