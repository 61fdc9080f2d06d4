"""URL patterns for a participant's own circle (reached with their private manage link)."""

from django.urls import path

from ..views import participant

urlpatterns = [
    path(
        "registration/<str:token>/circle/",
        participant.ParticipantCircleView.as_view(),
        name="participant_circle",
    ),
    path(
        "registration/<str:token>/circle/<int:pk>.ics",
        participant.ParticipantMeetingCalendarView.as_view(),
        name="participant_meeting_ics",
    ),
    path(
        "registration/<str:token>/circle/<int:pk>/cant-make-it/",
        participant.ParticipantExcuseView.as_view(),
        name="participant_meeting_excuse",
    ),
    path(
        "registration/<str:token>/circle/move/",
        participant.ParticipantMoveRequestView.as_view(),
        name="participant_move_request",
    ),
]
