"""The guides app's URLs, one module per area (each owns its list)."""

from . import assignment, circles, library, logs, meetings, needs, participant, requests, safety

app_name = "guides"

urlpatterns = [
    *library.urlpatterns,
    *circles.urlpatterns,
    *assignment.urlpatterns,
    *meetings.urlpatterns,
    *needs.urlpatterns,
    *logs.urlpatterns,
    *safety.urlpatterns,
    *participant.urlpatterns,
    *requests.urlpatterns,
]
