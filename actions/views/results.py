"""What came of the action phase: the coalition lead's progress dashboard across initiatives
(with its per-team and per-milestone CSVs) and the public results page of a published initiative (no sign-in).
Read-only pages; their figures come from actions.selectors.results."""

import functools
import zoneinfo

from django.contrib.auth.decorators import login_not_required
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.generic import TemplateView

from dialogue_hub.downloads import csv_download
from initiatives import cache as initiative_cache
from initiatives import selectors as initiative_selectors

from ..selectors import results as selectors
from ..services import progress as services

TIMELINE_PAGE_SIZE = 20


class DashboardView(TemplateView):
    """Signed-in page, not tied to one initiative: it lists only the initiatives where the user
    holds progress.view, so a user with none sees an empty state, never someone else's data."""

    template_name = "actions/dashboard/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Who may see what is read fresh; the figures are kept until one of the initiatives
        # changes (initiatives/cache.py: every action service logs its change).
        initiatives = selectors.initiatives_with_progress_view(user=self.request.user)
        ids = [initiative.pk for initiative in initiatives]
        number = self.request.GET.get("page")
        show = selectors.team_filter(self.request.GET.get("show"))
        # The dashboard's HTML is the same for everyone who may follow the same initiatives
        # (no role-dependent part): the template caches it, and these run only on a miss.
        overview = functools.cache(
            lambda: selectors.filter_overview(selectors.kept_progress_rows(initiatives), show)
        )
        page_obj = functools.cache(
            lambda: selectors.kept_timeline_page(initiatives, number, per_page=TIMELINE_PAGE_SIZE)
        )
        context.update(
            has_initiatives=bool(initiatives),
            overview=overview,
            page_obj=page_obj,
            fragment_version=initiative_cache.version_of(
                ids, registrations=initiative_cache.UNAFFECTED
            ),
            fragment_timeout=initiative_cache.TIMEOUT,
            page_number=self.request.GET.get("page", ""),
            show=show,
            team_filters=selectors.TEAM_FILTERS,
        )
        return context


class DashboardExportView(View):
    """The per-team table as CSV (aggregates and team names only; formula-safe cells)."""

    def get(self, request, *args, **kwargs):
        overview = selectors.progress_overview(user=request.user)
        filename = f"progress-{timezone.localdate():%Y-%m-%d}.csv"
        return csv_download(filename, rows=[selectors.csv_header(), *selectors.csv_rows(overview)])


class DashboardMilestoneExportView(View):
    """Every milestone of the teams on the dashboard as CSV, beside the per-team CSV and for the
    same people (the initiatives where the user holds progress.view). The download is logged in
    each initiative it covers."""

    def get(self, request, *args, **kwargs):
        initiatives = selectors.initiatives_with_progress_view(user=request.user)
        services.milestones_export_record(user=request.user, initiatives=initiatives)
        filename = f"progress-milestones-{timezone.localdate():%Y-%m-%d}.csv"
        return csv_download(
            filename,
            rows=[selectors.milestone_csv_header(), *selectors.milestone_csv_rows(initiatives)],
        )


@method_decorator(login_not_required, name="dispatch")
class PublicResultsView(TemplateView):
    """404 unless the initiative is published; shows only what was opted in."""

    template_name = "actions/public/results.html"

    def get(self, request, *args, **kwargs):
        initiative = initiative_selectors.public_initiative(slug=kwargs["slug"])
        # Meeting dates are shown in the initiative's own time zone.
        with timezone.override(zoneinfo.ZoneInfo(initiative.timezone)):
            response = self.render_to_response(
                self.get_context_data(
                    initiative=initiative,
                    results=selectors.public_results(initiative=initiative),
                    more_links=selectors.results_links(initiative),
                )
            )
            response.render()
        return response
