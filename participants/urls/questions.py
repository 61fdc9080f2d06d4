"""URL patterns of the initiative's own registration questions (organizers)."""

from django.urls import path

from dialogue_hub.routing import group

from ..views import questions as views

urlpatterns = [
    group(
        "manage/<slug:slug>/participants/questions/",
        path("", views.QuestionListView.as_view(), name="questions"),
        path("new/", views.QuestionCreateView.as_view(), name="question_add"),
        path("<int:pk>/", views.QuestionEditView.as_view(), name="question_edit"),
        path("<int:pk>/move/", views.QuestionMoveView.as_view(), name="question_move"),
        path("<int:pk>/active/", views.QuestionActiveView.as_view(), name="question_active"),
        path("<int:pk>/delete/", views.QuestionDeleteView.as_view(), name="question_delete"),
    ),
]
