"""What came of the action phase, read-only: the coalition lead's progress dashboard and the
public results page.

The dashboard: every initiative where the user holds `progress.view`, rolled up from
milestones in SQL, with overdue milestones, silent teams, outcomes by level, a timeline and
the per-team table as CSV.

Definitions (the same everywhere in the actions app):
- goal progress: the share of its milestones that are done, dropped ones left out, each
  milestone counted with its weight (a missing weight counts as 1; with no weight set at all
  this is the plain share). A goal with no countable milestone has no progress (None).
- team progress: the average of its goals' progress (goals without progress ignored).
- initiative progress: the average of its teams' progress (teams without progress ignored).
- overdue milestone: due before today in the initiative's time zone, not done or dropped.
- silent team: no progress update (or, before the first, since the team was created) within
  its `update_every_days`.

Only aggregates and team/goal/milestone/outcome names: never a participant's name.
A constant number of queries whatever the number of initiatives, teams and milestones.

The public results page of a published initiative: voices → ideas → teams → outcomes.

Only what the oversight group opted in is shown (Idea.is_public, ActionTeam.is_public,
Outcome.is_public). An idea shows where it was raised — the circle's name and the meeting's
date, from its sources in approved session logs — and never anything else from the log or
any participant's name. Participation figures go through small-count suppression.
"""

import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import CharField, Count, F, Max, Prefetch, Q, Value
from django.db.models.functions import Coalesce, Left, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from dialogue_hub import translated
from dialogue_hub.privacy import shown_count
from guides.models import (
    ActionIdea,
    Circle,
    CircleMember,
    CircleSession,
    LogStatus,
    MeetingStatus,
)
from initiatives import cache as initiative_cache
from initiatives.models import Initiative, Membership
from initiatives.permissions import has_perm
from participants.exports import csv_safe
from participants.models import Status

from ..models import (
    ActionTeam,
    Idea,
    IdeaSource,
    Level,
    Milestone,
    MilestoneStatus,
    Outcome,
    ProgressUpdate,
)
from .teams import goal_share_rows

CLOSED_STATUSES = (MilestoneStatus.DONE, MilestoneStatus.DROPPED)

# Other public pages of a published initiative that the results page links to, from apps above
# this one (the evaluation report's public version): each app registers a function in its
# AppConfig.ready(), called as `provider(initiative) -> [(label, url), …]`.
RESULTS_LINKS: list = []


def results_links(initiative: Initiative) -> list[tuple[str, str]]:
    return [link for provider in RESULTS_LINKS for link in provider(initiative)]


def _average(values) -> float | None:
    values = [value for value in values if value is not None]
    return sum(values) / len(values) if values else None


def percent(value: float | None) -> int | None:
    """A progress share (0..1) as a whole percentage for display, None stays None."""
    return None if value is None else round(value * 100)


def bar(value: float | None) -> int:
    """Bar width in steps of 5 (the .sector-bar.w-NN classes in app.css); 0 without progress."""
    return 0 if value is None else int(round(value * 20)) * 5


def today_in(tz_name: str) -> date:
    return timezone.localtime(timezone.now(), zoneinfo.ZoneInfo(tz_name)).date()


class ProgressShown:
    """A row's `progress` as the page shows it: a whole percentage and a bar width."""

    @property
    def progress_percent(self) -> int | None:
        return percent(self.progress)

    @property
    def bar(self) -> int:
        return bar(self.progress)


@dataclass
class TeamRow(ProgressShown):
    team: ActionTeam
    initiative: Initiative
    goal_progress: dict = field(default_factory=dict)  # goal id -> share or None
    overdue: int = 0
    last_update: datetime | None = None
    silent: bool = False

    @property
    def progress(self) -> float | None:
        return _average(self.goal_progress.values())

    @property
    def last_update_date(self) -> date | None:
        if self.last_update is None:
            return None
        return timezone.localtime(
            self.last_update, zoneinfo.ZoneInfo(self.initiative.timezone)
        ).date()


@dataclass
class InitiativeRow(ProgressShown):
    initiative: Initiative
    teams: list = field(default_factory=list)
    outcome_counts: dict = field(default_factory=dict)  # level -> count

    @property
    def progress(self) -> float | None:
        return _average(row.progress for row in self.teams)

    @property
    def team_count(self) -> int:
        return len(self.teams)

    @property
    def overdue(self) -> int:
        return sum(row.overdue for row in self.teams)

    @property
    def silent_teams(self) -> list:
        return [row for row in self.teams if row.silent]

    @property
    def outcomes_by_level(self) -> list[tuple[str, int]]:
        """[(level label, count), …] in the order of the levels, every level listed."""
        return [(label, self.outcome_counts.get(value, 0)) for value, label in Level.choices]

    @property
    def outcome_total(self) -> int:
        return sum(self.outcome_counts.values())


def initiatives_with_progress_view(*, user) -> list[Initiative]:
    """The initiatives where `user` holds a role granting progress.view (two queries)."""
    if not user.is_authenticated:
        return []
    roles = defaultdict(set)
    for initiative_id, role in Membership.objects.filter(user=user).values_list(
        "initiative_id", "role"
    ):
        roles[initiative_id].add(role)
    allowed = [pk for pk, held in roles.items() if has_perm(held, "progress.view")]
    if not allowed:
        return []
    return list(
        Initiative.objects.filter(pk__in=allowed).order_by(translated.ordering("name"), "pk")
    )


def overdue_condition(initiatives) -> Q:
    """Milestones due before today in their own initiative's time zone, still open.

    A milestone without a due day is false here, never unknown: as an annotation
    (`is_overdue` of actions/selectors/records.py) the condition must not be SQL NULL, or
    the API would answer `null` where it documents a boolean and `overdue=false` would leave
    those milestones out."""
    by_zone = defaultdict(list)
    for initiative in initiatives:
        by_zone[initiative.timezone].append(initiative.pk)
    due = Q(pk__in=[])
    for tz_name, ids in by_zone.items():
        due |= Q(
            goal__team__initiative_id__in=ids, due_on__isnull=False, due_on__lt=today_in(tz_name)
        )
    return due & ~Q(status__in=CLOSED_STATUSES)


def milestone_rollup(initiatives) -> dict[int, dict]:
    """Per team: {"goals": {goal id: share}, "overdue": n}. One query.

    The shares are the team pages' (`goal_share_rows` in actions/selectors/teams.py), as floats.
    """
    rows = goal_share_rows(
        Milestone.objects.filter(goal__team__initiative__in=[i.pk for i in initiatives]),
        overdue=Count("pk", filter=overdue_condition(initiatives)),
    )
    result = defaultdict(lambda: {"goals": {}, "overdue": 0})
    for row in rows:
        team = result[row["goal__team_id"]]
        team["goals"][row["goal_id"]] = None if row["share"] is None else float(row["share"])
        team["overdue"] += row["overdue"]
    return result


def is_silent(*, last_activity: datetime, every_days: int, today: date, tz) -> bool:
    """Silent: the last update (or the team's creation) is more than `every_days` days old, in
    days of the initiative's time zone. The one rule: the dashboard, its CSV and the team's own
    updates page ask it."""
    return (today - timezone.localdate(last_activity, timezone=tz)).days > every_days


def progress_overview(*, user) -> list[InitiativeRow]:
    """The dashboard's figures for every initiative the user may follow. Five queries."""
    return progress_rows(initiatives_with_progress_view(user=user))


def progress_rows(initiatives: list[Initiative]) -> list[InitiativeRow]:
    """The dashboard's figures for these initiatives (the caller checked progress.view).
    Three queries."""
    if not initiatives:
        return []
    by_pk = {initiative.pk: InitiativeRow(initiative=initiative) for initiative in initiatives}
    rollup = milestone_rollup(initiatives)
    zones = {pk: zoneinfo.ZoneInfo(row.initiative.timezone) for pk, row in by_pk.items()}
    today = {pk: today_in(row.initiative.timezone) for pk, row in by_pk.items()}
    teams = (
        ActionTeam.objects.filter(initiative__in=list(by_pk))
        .annotate(last_update=Max("updates__created_at"))
        .order_by(translated.ordering("name"), "pk")
    )
    for team in teams:
        row = by_pk[team.initiative_id]
        figures = rollup.get(team.pk, {"goals": {}, "overdue": 0})
        row.teams.append(
            TeamRow(
                team=team,
                initiative=row.initiative,
                goal_progress=figures["goals"],
                overdue=figures["overdue"],
                last_update=team.last_update,
                silent=is_silent(
                    last_activity=team.last_update or team.created_at,
                    every_days=team.update_every_days,
                    today=today[team.initiative_id],
                    tz=zones[team.initiative_id],
                ),
            )
        )
    outcomes = (
        Outcome.objects.filter(initiative__in=list(by_pk))
        .values("initiative_id", "level")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for outcome in outcomes:
        by_pk[outcome["initiative_id"]].outcome_counts[outcome["level"]] = outcome["n"]
    return list(by_pk.values())


# --- timeline ------------------------------------------------------------------------------------

TIMELINE_KINDS = {
    "update": gettext_lazy("Progress update"),
    "milestone": gettext_lazy("Milestone done"),
    "outcome": gettext_lazy("Outcome"),
}


def _timeline_columns(queryset, *, kind: str, when, label, team: str, initiative: str):
    return queryset.annotate(
        entry_kind=Value(kind, output_field=CharField()),
        when=when,
        item_id=F("pk"),
        label=label,
        team_name=Coalesce(F(team), Value(""), output_field=CharField()),
        initiative_name=F(initiative),
    ).values("entry_kind", "when", "item_id", "label", "team_name", "initiative_name")


def timeline(initiatives):
    """Progress updates, milestones done and outcomes, newest first, as one UNION queryset of
    dicts (paginate it). Updates show their team and date only, never their text: it is free
    text that may name people."""
    ids = [initiative.pk for initiative in initiatives]
    updates = _timeline_columns(
        ProgressUpdate.objects.filter(team__initiative__in=ids),
        kind="update",
        when=TruncDate("created_at"),
        label=Value("", output_field=CharField()),
        team="team__name",
        initiative="team__initiative__name",
    )
    milestones = _timeline_columns(
        Milestone.objects.filter(goal__team__initiative__in=ids, status=MilestoneStatus.DONE),
        kind="milestone",
        when=Coalesce("completed_on", TruncDate("updated_at")),
        label=Left("title", 200),
        team="goal__team__name",
        initiative="goal__team__initiative__name",
    )
    outcomes = _timeline_columns(
        Outcome.objects.filter(initiative__in=ids),
        kind="outcome",
        when=F("happened_on"),
        label=Left("title", 200),
        team="team__name",
        initiative="initiative__name",
    )
    return (
        updates.order_by()
        .union(milestones.order_by(), outcomes.order_by(), all=True)
        .order_by("-when", "entry_kind", "-item_id")
    )


def timeline_entries(rows) -> list[dict]:
    return [
        {**row, "kind": row["entry_kind"], "kind_label": TIMELINE_KINDS[row["entry_kind"]]}
        for row in rows
    ]


# --- kept for the page (initiatives/cache.py) ------------------------------------------------------


def kept_progress_rows(initiatives: list[Initiative]) -> list[InitiativeRow]:
    """progress_rows, kept until one of the initiatives changes (every action service logs);
    per language, as the teams are in the order of the names the reader sees."""
    ids = [initiative.pk for initiative in initiatives]
    return initiative_cache.cached_for(
        ids,
        "progress-overview",
        lambda: progress_rows(initiatives),
        vary=[translated.reader_language()],
        registrations=initiative_cache.UNAFFECTED,
    )


def kept_timeline_page(initiatives: list[Initiative], number, *, per_page: int):
    """Page `number` of the timeline (a Django Page of timeline_entries), its total and its
    entries kept until one of the initiatives changes."""
    ids = [initiative.pk for initiative in initiatives]
    paginator = initiative_cache.CachedCountPaginator(
        timeline(initiatives),
        per_page,
        initiative_id=ids,
        name="progress-timeline-count",
        registrations=initiative_cache.UNAFFECTED,
    )
    page = paginator.get_page(number)
    page.object_list = initiative_cache.cached_for(
        ids,
        "progress-timeline",
        lambda: timeline_entries(page.object_list),
        vary=[page.number],
        registrations=initiative_cache.UNAFFECTED,
    )
    return page


# --- CSV -----------------------------------------------------------------------------------------


def csv_header() -> list[str]:
    return [
        str(gettext_lazy("initiative")),
        str(gettext_lazy("team")),
        str(gettext_lazy("level")),
        str(gettext_lazy("progress_percent")),
        str(gettext_lazy("overdue_milestones")),
        str(gettext_lazy("last_update")),
        str(gettext_lazy("silent")),
    ]


# --- follow-up filters ----------------------------------------------------------------------------

# ?show=… on the dashboard: the teams a coalition lead follows up with. The definitions are the
# dashboard's own (TeamRow.overdue from `overdue_condition`, TeamRow.silent from `is_silent`).
TEAM_FILTERS = {
    "overdue": gettext_lazy("Teams with overdue milestones"),
    "silent": gettext_lazy("Silent teams"),
}


def team_filter(value) -> str:
    """A ?show= value as the page uses it: a key of TEAM_FILTERS, or "" (every team)."""
    return value if value in TEAM_FILTERS else ""


def _team_matches(row: TeamRow, show: str) -> bool:
    if show == "overdue":
        return row.overdue > 0
    if show == "silent":
        return row.silent
    return True


@dataclass
class ShownInitiative:
    """An initiative of the dashboard with the team rows the filter keeps. Its own figures
    (progress, overdue, silent teams) stay those of all its teams."""

    row: InitiativeRow
    teams: list


def filter_overview(overview: list[InitiativeRow], show: str) -> list[ShownInitiative]:
    """The dashboard's initiatives, each with its teams that match `show` ("" keeps them all);
    with a filter, initiatives without a matching team are left out. No query."""
    shown = [
        ShownInitiative(row=row, teams=[team for team in row.teams if _team_matches(team, show)])
        for row in overview
    ]
    return [item for item in shown if item.teams] if show else shown


def csv_rows(overview: list[InitiativeRow]):
    for initiative_row in overview:
        for row in initiative_row.teams:
            last = row.last_update_date
            yield [
                csv_safe(initiative_row.initiative.name),
                csv_safe(row.team.name),
                csv_safe(row.team.get_level_display()),
                "" if row.progress_percent is None else row.progress_percent,
                row.overdue,
                last.isoformat() if last else "",
                str(gettext_lazy("yes")) if row.silent else str(gettext_lazy("no")),
            ]


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    count: int | None  # None: hidden because it is from 1 to 9


def participation_figures(*, initiative: Initiative) -> list[Figure]:
    """People taking part (placed in a circle, not withdrawn), circles, meetings held (not
    cancelled, already started) and ideas raised (in approved session logs). Four queries."""
    people = (
        CircleMember.objects.filter(circle__initiative=initiative)
        .exclude(participant__status=Status.WITHDRAWN)
        .count()
    )
    circles = Circle.objects.filter(initiative=initiative).count()
    meetings = (
        CircleSession.objects.filter(circle__initiative=initiative, starts_at__lte=timezone.now())
        .exclude(status=MeetingStatus.CANCELLED)
        .count()
    )
    ideas = ActionIdea.objects.filter(
        log__meeting__circle__initiative=initiative, log__status=LogStatus.APPROVED
    ).count()
    return [
        Figure("people", _("People taking part"), shown_count(people)),
        Figure("circles", _("Dialogue circles"), shown_count(circles)),
        Figure("meetings", _("Circle meetings held"), shown_count(meetings)),
        Figure("ideas", _("Ideas for action raised"), shown_count(ideas)),
    ]


def _public_sources():
    return (
        IdeaSource.objects.filter(action_idea__log__status=LogStatus.APPROVED)
        .select_related("action_idea__log__meeting__circle")
        .order_by("action_idea__log__meeting__starts_at", "pk")
    )


def public_ideas(*, initiative: Initiative):
    """Opted-in ideas (merged duplicates left out: their sources moved to the kept idea), each
    with its sources (circle and meeting) and its public teams."""
    return (
        Idea.objects.filter(initiative=initiative, is_public=True, merged_into__isnull=True)
        .select_related("theme")
        .prefetch_related(
            Prefetch("sources", queryset=_public_sources(), to_attr="public_sources"),
            Prefetch(
                "teams",
                queryset=ActionTeam.objects.filter(is_public=True).order_by(
                    translated.ordering("name"), "pk"
                ),
                to_attr="public_teams",
            ),
        )
        .order_by("created_at", "pk")
    )


def public_teams(*, initiative: Initiative):
    """Opted-in teams with their public ideas and public outcomes."""
    return (
        ActionTeam.objects.filter(initiative=initiative, is_public=True)
        .prefetch_related(
            Prefetch(
                "ideas",
                queryset=Idea.objects.filter(is_public=True, merged_into__isnull=True).order_by(
                    "created_at", "pk"
                ),
                to_attr="public_ideas",
            ),
            Prefetch(
                "outcomes",
                queryset=Outcome.objects.filter(is_public=True).order_by("-happened_on", "-pk"),
                to_attr="public_outcomes",
            ),
        )
        .order_by(translated.ordering("name"), "pk")
    )


def public_outcomes(*, initiative: Initiative):
    """Opted-in outcomes; the team is named only when the team is public too."""
    return (
        Outcome.objects.filter(initiative=initiative, is_public=True)
        .select_related("team")
        .order_by("-happened_on", "-pk")
    )


@dataclass
class PublicResults:
    initiative: Initiative
    figures: list
    ideas: list
    teams: list
    outcomes: list

    @property
    def is_empty(self) -> bool:
        return not (self.ideas or self.teams or self.outcomes)


def public_results(*, initiative: Initiative) -> PublicResults:
    return PublicResults(
        initiative=initiative,
        figures=participation_figures(initiative=initiative),
        ideas=list(public_ideas(initiative=initiative)),
        teams=list(public_teams(initiative=initiative)),
        outcomes=list(public_outcomes(initiative=initiative)),
    )


# --- milestone CSV -------------------------------------------------------------------------------


def milestone_csv_header() -> list[str]:
    return [
        str(gettext_lazy("initiative")),
        str(gettext_lazy("team")),
        str(gettext_lazy("goal")),
        str(gettext_lazy("milestone")),
        str(gettext_lazy("weight")),
        str(gettext_lazy("status")),
        str(gettext_lazy("due_date")),
        str(pgettext_lazy("milestone CSV column: the day it was last changed", "last_update")),
    ]


def milestone_csv_rows(initiatives: list[Initiative]):
    """One row per milestone of these initiatives' teams (the caller checked progress.view):
    initiative, team, goal, milestone, weight (empty when not set), status, due date and the
    day the milestone was last changed, in the initiative's time zone. Names only, never a
    participant. One query, read in chunks, whatever the number of milestones."""
    zones = {initiative.pk: zoneinfo.ZoneInfo(initiative.timezone) for initiative in initiatives}
    names = {initiative.pk: initiative.name for initiative in initiatives}
    labels = dict(MilestoneStatus.choices)
    rows = (
        Milestone.objects.filter(goal__team__initiative__in=list(names))
        .order_by(
            "goal__team__initiative__name",
            "goal__team__initiative_id",
            "goal__team__name",
            "goal__team_id",
            F("goal__due_on").asc(nulls_last=True),
            "goal_id",
            F("due_on").asc(nulls_last=True),
            "pk",
        )
        .values_list(
            "goal__team__initiative_id",
            "goal__team__name",
            "goal__title",
            "title",
            "weight",
            "status",
            "due_on",
            "updated_at",
        )
    )
    for initiative_id, team, goal, title, weight, status, due_on, updated_at in rows.iterator(
        chunk_size=500
    ):
        yield [
            csv_safe(names[initiative_id]),
            csv_safe(team),
            csv_safe(goal),
            csv_safe(title),
            "" if weight is None else weight,
            str(labels.get(status, status)),
            due_on.isoformat() if due_on else "",
            timezone.localdate(updated_at, timezone=zones[initiative_id]).isoformat(),
        ]
