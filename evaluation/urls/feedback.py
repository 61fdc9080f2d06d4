"""URL patterns of after-session feedback: see evaluation/views/feedback.py."""

from django.urls import path

from ..views import feedback as views

urlpatterns = [
    path(
        "manage/<slug:slug>/circles/<int:pk>/feedback/",
        views.CircleFeedbackView.as_view(),
        name="circle_feedback",
    ),
    path(
        "manage/<slug:slug>/evaluation/feedback/",
        views.FeedbackOverviewView.as_view(),
        name="feedback_overview",
    ),
    path(
        "registration/<str:token>/circle/<int:pk>/feedback/",
        views.ParticipantFeedbackView.as_view(),
        name="participant_feedback",
    ),
]
