"""The evaluation app's URLs, one module per area (each owns its list)."""

from . import change, feedback, instruments, report, survey, waves

app_name = "evaluation"

urlpatterns = [
    *instruments.urlpatterns,
    *waves.urlpatterns,
    *survey.urlpatterns,
    *change.urlpatterns,
    *feedback.urlpatterns,
    *report.urlpatterns,
]
