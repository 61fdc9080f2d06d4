"""The actions app's URLs, one module per area (each owns its list)."""

from . import dashboard, forum, ideas, progress, public, teams

app_name = "actions"

urlpatterns = [
    *ideas.urlpatterns,
    *forum.urlpatterns,
    *teams.urlpatterns,
    *progress.urlpatterns,
    *dashboard.urlpatterns,
    *public.urlpatterns,
]
