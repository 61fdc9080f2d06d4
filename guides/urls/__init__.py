"""The guides app's URLs, one module per area (each owns its list)."""

from . import assignment, circles, library, logs, meetings, notices, participant

app_name = "guides"

urlpatterns = [
    *library.urlpatterns,
    *circles.urlpatterns,
    *notices.urlpatterns,
    *assignment.urlpatterns,
    *meetings.urlpatterns,
    *logs.urlpatterns,
    *participant.urlpatterns,
]
