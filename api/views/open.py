"""Open data: what the public pages of a published initiative show, as JSON and as CSV, for
anyone (no token), with a license, a "last changed" time, and ETag / Last-Modified so that a
portal polling it gets 304 Not Modified while nothing changed. An initiative that is not
published answers 404. Counts from 1 to 9 are suppressed exactly as on the pages: the same
selectors compute them.

Each JSON endpoint has a CSV twin (`….csv`: every row, no pages, columns in a fixed order).
Texts are in the language Accept-Language asks for (English or Spanish), dates of meetings in
the initiative's time zone.
"""

import hashlib
import zoneinfo

from django.conf import settings
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.dateparse import parse_datetime
from django.utils.http import http_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response

from actions.selectors import records as action_records
from actions.selectors import results as results_selectors
from dialogue_hub import translated
from initiatives import cache as initiative_cache
from initiatives.selectors import published_initiatives, published_initiatives_last_changed

from ..filters import MilestoneFilter
from ..renderers import CSVRenderer
from ..serializers import open as s
from ..serializers.fields import FigureSerializer
from .base import ListView, OpenDataView

CSV_RESPONSE = {
    (200, "text/csv"): OpenApiResponse(
        OpenApiTypes.STR, description="CSV (UTF-8, a header row, columns in a fixed order)."
    )
}


def license_info() -> dict:
    return {
        "name": settings.DIALOGUE_HUB_OPEN_DATA_LICENSE,
        "url": settings.DIALOGUE_HUB_OPEN_DATA_LICENSE_URL,
    }


class OpenView(OpenDataView):
    """ETag (of the body) and Last-Modified (`self.last_modified`, when the published items
    last changed) on every 200; 304 Not Modified for a request whose If-None-Match holds.

    Not on If-Modified-Since alone: `last_changed` also moves for an item withdrawn from
    publication or deleted, and for the figures (the changes the activity log records and the
    meetings held, actions/selectors/records.py `public_last_changed`), but that list is kept by
    hand; a 304 on the date would keep serving what a change it misses took off.
    `Cache-Control: no-cache` for the same reason: a cache may keep the answer but checks
    its ETag each time, instead of guessing a lifetime from an old Last-Modified."""

    last_modified = None
    csv = False  # True in the view's CSV twin (`csv_twin`)
    conditional = True  # the schema documents 304 (api/schema.py)

    def get_renderers(self):
        # OPTIONS describes the endpoint (DRF's metadata, a JSON object), whatever its format:
        # the CSV renderer writes rows, and had a 500 for it.
        if self.csv and self.request.method != "OPTIONS":
            return [CSVRenderer()]
        return super().get_renderers()

    def known_parameters(self):
        names = super().known_parameters()
        return names - {"page", "page_size"} if self.csv else names

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code != 200 or request.method not in ("GET", "HEAD"):
            return response
        response.render()
        etag = f'"{hashlib.sha256(response.content).hexdigest()[:32]}"'
        response["ETag"] = etag
        seconds = int(self.last_modified.timestamp()) if self.last_modified else None
        if seconds is not None:
            response["Last-Modified"] = http_date(seconds)
        patch_cache_control(response, no_cache=True)
        conditional = get_conditional_response(request, etag=etag, response=response)
        return conditional or response

    def cached(self, name: str, compute):
        """compute() from the initiative's cache while its data has not changed (at most two
        minutes: counts of meetings held move with the clock), per language."""
        return initiative_cache.cached(
            self.initiative.pk,
            f"api.open.{name}",
            compute,
            vary=[translated.reader_language()],
            # People count once placed in a circle: a registration alone changes nothing here.
            registrations=initiative_cache.UNAFFECTED,
        )

    def in_zone(self):
        return timezone.override(zoneinfo.ZoneInfo(self.initiative.timezone))


def csv_twin(view_class, *, summary: str):
    """The view's CSV version: the same rows, every one, as CSV."""
    twin = type(f"{view_class.__name__[:-4]}CsvView", (view_class,), {"csv": True})
    twin.__doc__ = view_class.__doc__
    return extend_schema(responses=CSV_RESPONSE, summary=summary)(twin)


# --- published initiatives -----------------------------------------------------------------------


@extend_schema(tags=["open data"], summary="Published initiatives")
class InitiativeListView(ListView, OpenView):
    """Every published initiative, by title (closed ones too: their results stay public)."""

    serializer_class = s.OpenInitiativeSerializer
    csv_columns = [
        "slug",
        "title",
        "place",
        "phase",
        "phase_label",
        "starts_on",
        "ends_on",
        "languages",
        "timezone",
        "published_at",
        "updated_at",
        "page_url",
    ]

    records = published_initiatives
    schema_model = "initiatives.Initiative"

    def records_kwargs(self):
        return {}

    def list(self, request, *args, **kwargs):
        queryset = self.get_queryset()
        self.last_modified = published_initiatives_last_changed()
        if self.csv:
            return Response(self.get_serializer(queryset, many=True).data)
        return self.listed(queryset)


InitiativeListCsvView = csv_twin(InitiativeListView, summary="Published initiatives (CSV)")


@extend_schema(tags=["open data"], summary="A published initiative")
class InitiativeView(OpenView):
    """The initiative, its participation figures (counts from 1 to 9 suppressed), the
    license and when its public results last changed."""

    serializer_class = s.OpenInitiativeDetailSerializer
    pagination_class = None

    def get(self, request, *args, **kwargs):
        def compute():
            self.initiative.figures = results_selectors.participation_figures(
                initiative=self.initiative
            )
            self.initiative.license = license_info()
            self.initiative.last_changed = action_records.public_last_changed(
                initiative=self.initiative
            )
            return self.get_serializer(self.initiative).data

        data = self.cached("initiative", compute)
        self.last_modified = parse_datetime(data["last_changed"])
        return Response(data)


# --- results -------------------------------------------------------------------------------------


def results_rows(results) -> list[dict]:
    """The results as one table: a row per idea, team and outcome (the CSV)."""
    rows = []
    for idea in s.OpenIdeaSerializer(results.ideas, many=True).data:
        rows.append(
            {
                "section": "idea",
                "id": idea["id"],
                "title": idea["text"],
                "theme": idea["theme"],
                "level": idea["level"],
                "raised_in": [
                    f"{place['circle']} ({place['date']})" for place in idea["raised_in"]
                ],
                "teams": idea["teams"],
            }
        )
    for team in s.OpenTeamSerializer(results.teams, many=True).data:
        rows.append(
            {
                "section": "team",
                "id": team["id"],
                "title": team["name"],
                "description": team["description"],
                "level": team["level"],
                "ideas": team["ideas"],
            }
        )
    for outcome in s.OpenOutcomeSerializer(results.outcomes, many=True).data:
        rows.append(
            {
                "section": "outcome",
                "id": outcome["id"],
                "title": outcome["title"],
                "description": outcome["description"],
                "level": outcome["level"],
                "kind": outcome["kind"],
                "date": outcome["happened_on"],
                "evidence_url": outcome["evidence_url"],
                "teams": [outcome["team"]] if outcome["team"] else [],
            }
        )
    return rows


@extend_schema(tags=["open data"], summary="Public results: voices, ideas, teams, outcomes")
class ResultsView(OpenView):
    """What the public results page shows: the participation figures, the ideas the oversight
    group made public (where each was raised: circle and meeting day), the public action
    teams and the public outcomes. As CSV: a row per idea, team and outcome."""

    serializer_class = s.OpenResultsSerializer
    pagination_class = None
    csv_columns = [
        "section",
        "id",
        "title",
        "description",
        "theme",
        "level",
        "kind",
        "date",
        "raised_in",
        "ideas",
        "teams",
        "evidence_url",
    ]

    def get(self, request, *args, **kwargs):
        def compute():
            with self.in_zone():
                results = results_selectors.public_results(initiative=self.initiative)
                last_changed = action_records.public_last_changed(initiative=self.initiative)
                if self.csv:
                    return {"rows": results_rows(results), "last_changed": last_changed}
                data = {
                    "initiative": self.initiative.slug,
                    "license": license_info(),
                    "last_changed": last_changed,
                    "figures": results.figures,
                    "ideas": results.ideas,
                    "teams": results.teams,
                    "outcomes": results.outcomes,
                }
                return {"body": self.get_serializer(data).data, "last_changed": last_changed}

        value = self.cached("results.csv" if self.csv else "results", compute)
        self.last_modified = value["last_changed"]
        return Response(value["rows"] if self.csv else value["body"])


ResultsCsvView = csv_twin(ResultsView, summary="Public results (CSV)")


@extend_schema(
    tags=["open data"], summary="Participation figures", responses=FigureSerializer(many=True)
)
class FiguresView(OpenView):
    """People taking part, circles, meetings held and ideas raised, as the results page shows
    them: `count` is null (and `suppressed` true) for a count from 1 to 9."""

    serializer_class = FigureSerializer
    pagination_class = None
    csv_columns = ["key", "label", "count", "suppressed"]

    def get(self, request, *args, **kwargs):
        def compute():
            figures = results_selectors.participation_figures(initiative=self.initiative)
            return {
                "rows": self.get_serializer(figures, many=True).data,
                "last_changed": action_records.public_last_changed(initiative=self.initiative),
            }

        value = self.cached("figures", compute)
        self.last_modified = value["last_changed"]
        return Response(value["rows"])


FiguresCsvView = csv_twin(FiguresView, summary="Participation figures (CSV)")


@extend_schema(tags=["open data"], summary="Milestones of the public action teams")
class MilestoneListView(ListView, OpenView):
    """Every milestone of the initiative's public action teams, soonest due first, with its
    status, weight and whether it is overdue (due before today in the initiative's time zone,
    neither done nor dropped)."""

    serializer_class = s.OpenMilestoneSerializer
    filterset_class = MilestoneFilter
    csv_columns = [
        "id",
        "team",
        "team_name",
        "goal",
        "goal_title",
        "title",
        "status",
        "weight",
        "due_on",
        "completed_on",
        "is_overdue",
    ]

    records = action_records.milestone_records
    schema_model = "actions.Milestone"

    def records_kwargs(self):
        return {"initiative": self.initiative, "public_only": True}

    def list(self, request, *args, **kwargs):
        queryset = self.get_queryset()
        self.last_modified = action_records.public_last_changed(initiative=self.initiative)
        if self.csv:
            rows = self.filter_queryset(queryset)
            return Response(self.get_serializer(rows, many=True).data)
        return self.listed(queryset)


MilestoneListCsvView = csv_twin(MilestoneListView, summary="Milestones of public teams (CSV)")
