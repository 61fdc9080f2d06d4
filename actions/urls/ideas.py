"""URL patterns for the ideas pages of the actions app."""

from django.urls import path

from ..views import ideas as views

urlpatterns = [
    path("manage/<slug:slug>/ideas/", views.IdeaListView.as_view(), name="ideas"),
    path(
        "manage/<slug:slug>/ideas/collect/", views.IdeaCollectView.as_view(), name="ideas_collect"
    ),
    path("manage/<slug:slug>/ideas/add/", views.IdeaAddView.as_view(), name="idea_add"),
    path("manage/<slug:slug>/ideas/theme/", views.IdeasAssignView.as_view(), name="ideas_assign"),
    path("manage/<slug:slug>/ideas/merge/", views.IdeasMergeView.as_view(), name="ideas_merge"),
    path("manage/<slug:slug>/ideas/<int:pk>/edit/", views.IdeaEditView.as_view(), name="idea_edit"),
    path(
        "manage/<slug:slug>/ideas/<int:pk>/public/",
        views.IdeaPublicView.as_view(),
        name="idea_public",
    ),
    path("manage/<slug:slug>/ideas/themes/", views.ThemeListView.as_view(), name="themes"),
    path(
        "manage/<slug:slug>/ideas/themes/<int:pk>/edit/",
        views.ThemeEditView.as_view(),
        name="theme_edit",
    ),
    path(
        "manage/<slug:slug>/ideas/themes/<int:pk>/delete/",
        views.ThemeDeleteView.as_view(),
        name="theme_delete",
    ),
]
