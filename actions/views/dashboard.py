"""The coalition lead's progress dashboard across initiatives, and its per-team CSV."""

import csv

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from .. import dashboard

TIMELINE_PAGE_SIZE = 20


class DashboardView(TemplateView):
    """Signed-in page, not tied to one initiative: it lists only the initiatives where the user
    holds progress.view, so a user with none sees an empty state, never someone else's data."""

    template_name = "actions/dashboard/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        overview = dashboard.progress_overview(user=self.request.user)
        context["overview"] = overview
        if overview:
            paginator = Paginator(
                dashboard.timeline([row.initiative for row in overview]), TIMELINE_PAGE_SIZE
            )
            page = paginator.get_page(self.request.GET.get("page"))
            page.object_list = dashboard.timeline_entries(page.object_list)
            context["page_obj"] = page
        return context


class DashboardExportView(View):
    """The per-team table as CSV (aggregates and team names only; formula-safe cells)."""

    def get(self, request, *args, **kwargs):
        overview = dashboard.progress_overview(user=request.user)
        filename = f"progress-{timezone.localdate():%Y-%m-%d}.csv"
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "no-store"
        response.write("\ufeff")  # so spreadsheet programs read UTF-8
        writer = csv.writer(response)
        writer.writerow(dashboard.csv_header())
        writer.writerows(dashboard.csv_rows(overview))
        return response
