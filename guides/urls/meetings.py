"""URL patterns for the meetings pages of the guides app: a circle's schedule and its
generation, moving or cancelling one meeting, attendance and retention, calendar files and
the private calendar feeds (public, signed links)."""

from django.urls import path

from ..views import meetings as views

urlpatterns = [
    path(
        "manage/<slug:slug>/circles/<int:pk>/schedule/",
        views.CircleScheduleView.as_view(),
        name="circle_schedule",
    ),
    path(
        "manage/<slug:slug>/circles/<int:pk>/schedule/generate/",
        views.ScheduleGenerateView.as_view(),
        name="circle_schedule_generate",
    ),
    path(
        "manage/<slug:slug>/circles/<int:pk>/attendance/",
        views.CircleAttendanceView.as_view(),
        name="circle_attendance",
    ),
    path(
        "manage/<slug:slug>/meetings/<int:pk>/reschedule/",
        views.MeetingRescheduleView.as_view(),
        name="meeting_reschedule",
    ),
    path(
        "manage/<slug:slug>/meetings/<int:pk>/cancel/",
        views.MeetingCancelView.as_view(),
        name="meeting_cancel",
    ),
    path(
        "manage/<slug:slug>/meetings/<int:pk>/meeting.ics",
        views.MeetingCalendarView.as_view(),
        name="meeting_ics",
    ),
    path(
        "manage/<slug:slug>/meetings/<int:pk>/attendance/",
        views.AttendanceView.as_view(),
        name="attendance",
    ),
    path(
        "calendar/p/<str:token>.ics", views.ParticipantFeedView.as_view(), name="participant_feed"
    ),
    path("calendar/s/<str:token>.ics", views.StaffFeedView.as_view(), name="staff_feed"),
]
