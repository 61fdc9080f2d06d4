"""The participants app's URLs, one module per area (each owns its list)."""

from . import inclusion, outreach, public, questions, staff, table

app_name = "participants"

urlpatterns = [
    *public.urlpatterns,
    *staff.urlpatterns,
    *questions.urlpatterns,
    *inclusion.urlpatterns,
    *outreach.urlpatterns,
    *table.urlpatterns,
]
