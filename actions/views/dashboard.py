"""The coalition lead's progress dashboard across initiatives, and its per-team CSV."""

import csv
import functools

from django.http import HttpResponse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from initiatives import cache as initiative_cache

from .. import dashboard

TIMELINE_PAGE_SIZE = 20


class DashboardView(TemplateView):
    """Signed-in page, not tied to one initiative: it lists only the initiatives where the user
    holds progress.view, so a user with none sees an empty state, never someone else's data."""

    template_name = "actions/dashboard/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Who may see what is read fresh; the figures are kept until one of the initiatives
        # changes (initiatives/cache.py: every action service logs its change).
        initiatives = dashboard.initiatives_with_progress_view(user=self.request.user)
        ids = [initiative.pk for initiative in initiatives]
        number = self.request.GET.get("page")
        # The dashboard's HTML is the same for everyone who may follow the same initiatives
        # (no role-dependent part): the template caches it, and these run only on a miss.
        overview = functools.cache(lambda: dashboard.kept_progress_rows(initiatives))
        page_obj = functools.cache(
            lambda: dashboard.kept_timeline_page(initiatives, number, per_page=TIMELINE_PAGE_SIZE)
        )
        context.update(
            has_initiatives=bool(initiatives),
            overview=overview,
            page_obj=page_obj,
            fragment_version=initiative_cache.version_of(ids),
            fragment_timeout=initiative_cache.TIMEOUT,
            page_number=self.request.GET.get("page", ""),
        )
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
