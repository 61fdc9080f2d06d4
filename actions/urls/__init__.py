"""The actions app's URLs, one module per feature (each owns its list)."""

from . import forum, ideas, progress, results, teams

app_name = "actions"

urlpatterns = [
    *ideas.urlpatterns,
    *forum.urlpatterns,
    *teams.urlpatterns,
    *progress.urlpatterns,
    *results.urlpatterns,
]
