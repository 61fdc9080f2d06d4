"""URL patterns for the library pages of the guides app: discussion guides and training."""

from django.urls import path

from ..views import library as views

urlpatterns = [
    path("manage/<slug:slug>/guides/", views.GuideListView.as_view(), name="library"),
    path(
        "manage/<slug:slug>/guides/<int:pk>/", views.GuideDetailView.as_view(), name="guide_detail"
    ),
    path(
        "manage/<slug:slug>/guides/<int:pk>/copy/", views.GuideCopyView.as_view(), name="guide_copy"
    ),
    path(
        "manage/<slug:slug>/guides/<int:pk>/edit/", views.GuideEditView.as_view(), name="guide_edit"
    ),
    path(
        "manage/<slug:slug>/guides/<int:pk>/delete/",
        views.GuideDeleteView.as_view(),
        name="guide_delete",
    ),
    path(
        "manage/<slug:slug>/guides/<int:pk>/sessions/add/",
        views.GuideSessionAddView.as_view(),
        name="guide_session_add",
    ),
    path(
        "manage/<slug:slug>/guides/sessions/<int:pk>/edit/",
        views.GuideSessionEditView.as_view(),
        name="guide_session_edit",
    ),
    path(
        "manage/<slug:slug>/guides/sessions/<int:pk>/delete/",
        views.GuideSessionDeleteView.as_view(),
        name="guide_session_delete",
    ),
    path(
        "manage/<slug:slug>/guides/sessions/<int:pk>/move/",
        views.GuideSessionMoveView.as_view(),
        name="guide_session_move",
    ),
    path("manage/<slug:slug>/training/", views.TrainingListView.as_view(), name="training"),
    path("manage/<slug:slug>/training/add/", views.TrainingAddView.as_view(), name="training_add"),
    path(
        "manage/<slug:slug>/training/<int:pk>/delete/",
        views.TrainingDeleteView.as_view(),
        name="training_delete",
    ),
]
