"""URL patterns for progress updates, outcomes and community assets."""

from django.urls import path

from ..views import progress as views

urlpatterns = [
    path(
        "manage/<slug:slug>/teams/<int:pk>/updates/",
        views.TeamUpdateListView.as_view(),
        name="team_updates",
    ),
    path(
        "manage/<slug:slug>/teams/<int:pk>/updates/new/",
        views.TeamUpdateCreateView.as_view(),
        name="team_update_add",
    ),
    path("manage/<slug:slug>/outcomes/", views.OutcomeListView.as_view(), name="outcomes"),
    path("manage/<slug:slug>/outcomes/new/", views.OutcomeCreateView.as_view(), name="outcome_add"),
    path(
        "manage/<slug:slug>/outcomes/<int:pk>/edit/",
        views.OutcomeUpdateView.as_view(),
        name="outcome_edit",
    ),
    path(
        "manage/<slug:slug>/outcomes/<int:pk>/delete/",
        views.OutcomeDeleteView.as_view(),
        name="outcome_delete",
    ),
    path("manage/<slug:slug>/assets/", views.AssetListView.as_view(), name="assets"),
    path("manage/<slug:slug>/assets/new/", views.AssetCreateView.as_view(), name="asset_add"),
    path("manage/<slug:slug>/assets/offers/", views.OfferListView.as_view(), name="asset_offers"),
    path(
        "manage/<slug:slug>/assets/offers/<int:pk>/use/",
        views.OfferToAssetView.as_view(),
        name="asset_from_offer",
    ),
    path(
        "manage/<slug:slug>/assets/<int:pk>/", views.AssetDetailView.as_view(), name="asset_detail"
    ),
    path(
        "manage/<slug:slug>/assets/<int:pk>/edit/",
        views.AssetUpdateView.as_view(),
        name="asset_edit",
    ),
    path(
        "manage/<slug:slug>/assets/<int:pk>/delete/",
        views.AssetDeleteView.as_view(),
        name="asset_delete",
    ),
    path(
        "manage/<slug:slug>/assets/<int:pk>/goals/",
        views.AssetGoalsView.as_view(),
        name="asset_goals",
    ),
]
