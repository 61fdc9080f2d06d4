"""Reads for the inclusion dashboard: who has signed up, per dimension, against the community's
make-up and the initiative's targets, and the same mix for the initiative's decision-making bodies.

Every participant count comes from the initiative's tallies (selectors/tallies.py: on
PostgreSQL kept by triggers as registrations change, so a cold dashboard reads a few dozen rows
however many people there are) and leaves this module only through
`dialogue_hub.privacy.suppress`. The page caches its rendered HTML per initiative version
(initiatives/cache.py), so this runs again only after a logged change.
The rows built here never carry a hidden count: a suppressed cell has `value=None`, and
everything derived from it (share, ratio, bar, gap) is None too. The dashboard is the same for
every viewer, the data steward included: individual answers live on the steward's own pages."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import Http404
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dialogue_hub.privacy import shown_count, suppress
from initiatives.models import CoalitionMembership, Initiative

from ..charts import BarChart, share_chart, week_chart
from ..models import (
    AgeBand,
    Channel,
    Dimension,
    InclusionTarget,
    Participant,
    RaceEthnicity,
    RegistrationSettings,
    RoleCategory,
    Status,
)
from . import outreach, tallies
from .target_status import (
    STATUS_LABELS,
    apply_target_statuses,
)

# Keys of the rows that are not a group of the dimension itself.
NOT_GIVEN = "_not_given"
NOT_ANSWERED = "_not_answered"
NOT_REGISTERED = "_not_registered"
NO_PARTNER = "_no_partner"

# Dimensions whose question allows several answers: their cells do not add up to the total.
MULTI_SELECT = frozenset({Dimension.RACE_ETHNICITY, Dimension.LIVED_EXPERIENCE})

HUNDRED = Decimal(100)


# --- result types -------------------------------------------------------------------------------


@dataclass
class Row:
    """One group of a table, as it may be shown: no hidden count is kept here."""

    key: str
    label: str
    value: int | None  # None when suppressed
    suppressed: bool
    share: Decimal | None = None  # percent of the table's population, 0–100
    target_label: str = ""  # "20%" or "40 people"
    target_people: int | None = None  # the target as a number of people, when it can be shown
    gap: int | None = None  # people still needed (0 when met), when it can be shown
    community_share: Decimal | None = None  # percent, 0–100
    source: str = ""
    source_year: int | None = None
    ratio: Decimal | None = None  # participant share ÷ community share
    compare_share: Decimal | None = None  # decision bodies: the participants' share of the group
    status: str = ""  # groups with a target: ON_TRACK, BELOW_TARGET or NOT_YET_KNOWN

    @property
    def has_target(self) -> bool:
        return bool(self.target_label)

    @property
    def bar(self) -> int:
        """Bar width in steps of 5 (the .sector-bar.w-NN classes); 0 when hidden."""
        if self.share is None:
            return 0
        return min(100, int((self.share / 5).quantize(Decimal(1), ROUND_HALF_UP)) * 5)

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.status, ""))

    @property
    def ratio_display(self) -> Decimal | None:
        return None if self.ratio is None else self.ratio.quantize(Decimal("0.01"), ROUND_HALF_UP)


@dataclass
class Table:
    key: str
    label: str
    additive: bool  # each person in exactly one row: the total is shown and adds up
    rows: list[Row]
    total: int | None = None  # shown total (additive tables only); None when hidden
    total_suppressed: bool = False
    population: int | None = None  # people the shares are taken of, when shown
    index: Decimal | None = None  # lowest ratio ÷ highest ratio in this table
    note: str = ""
    chart: BarChart | None = None  # what its chart plots (shown values only), see `share_chart`

    @property
    def has_benchmarks(self) -> bool:
        return any(row.community_share is not None or row.has_target for row in self.rows)

    @property
    def any_suppressed(self) -> bool:
        return any(row.suppressed for row in self.rows) or self.total_suppressed


@dataclass
class RepresentationIndex:
    value: Decimal
    lowest: Row
    lowest_dimension: str
    highest: Row
    highest_dimension: str


@dataclass
class DecisionBodyMix:
    key: str  # "team", "convening", "conveners"…: the tables' keys start with it
    label: str
    total: int | None  # people in the body, when shown
    total_suppressed: bool
    tables: list[Table]


@dataclass
class TargetProgress:
    """Where one group with a target stands, and which partners could reach it."""

    dimension: str
    dimension_label: str
    row: Row
    partners: list = field(default_factory=list)  # outreach.PartnerLead


@dataclass
class InclusionDashboard:
    initiative: Initiative
    total: int | None  # participants (not withdrawn), when shown
    total_suppressed: bool
    dimensions: list[Table]
    index: RepresentationIndex | None
    alerts: list[str]
    partners: Table
    channels: Table
    weeks: Table
    decision_bodies: list[DecisionBodyMix] = field(default_factory=list)
    targets: list[TargetProgress] = field(default_factory=list)

    @property
    def has_benchmarks(self) -> bool:
        return any(table.has_benchmarks for table in self.dimensions)


# --- small helpers ------------------------------------------------------------------------------


def format_percent(value: Decimal) -> str:
    """12.5 → "12.5%", 20 → "20%" (in the reader's number format)."""
    rounded = Decimal(value).quantize(Decimal("0.1"), ROUND_HALF_UP)
    places = 0 if rounded == rounded.to_integral_value() else 1
    return _("%(value)s%%") % {"value": formats.number_format(rounded, decimal_pos=places)}


def _people(n: int) -> str:
    return ngettext("%(n)d person", "%(n)d people", n) % {"n": n}


def _percent_of(count: int, population: int) -> Decimal:
    return Decimal(count) * HUNDRED / Decimal(population)


def registration_lists(initiative: Initiative) -> tuple[list[str], list[str]]:
    """The initiative's neighborhoods and lived-experience groups (empty without settings)."""
    reg = RegistrationSettings.objects.filter(initiative=initiative).first()
    if reg is None:
        return [], []
    return list(reg.neighborhoods or []), list(reg.lived_experience_groups or [])


def _participants(initiative: Initiative):
    return Participant.objects.filter(initiative=initiative).exclude(status=Status.WITHDRAWN)


def _with_unlisted(groups: list[tuple[str, str]], counts: dict) -> list[tuple[str, str, int]]:
    """The listed groups in order, then any value found in the data but not listed."""
    listed = {key for key, _label in groups}
    result = [(key, str(label), counts.get(key, 0)) for key, label in groups]
    for key in sorted(k for k in counts if k not in listed and k not in ("", None)):
        result.append((key, str(key), counts[key]))
    return result


# --- group lists per dimension ------------------------------------------------------------------


def group_choices(dimension: str, *, neighborhoods=(), lived_experience=()) -> list[tuple]:
    """The groups a benchmark or target can be set for, per dimension ("prefer not" excluded)."""
    if dimension == Dimension.ROLE_CATEGORY:
        return list(RoleCategory.choices)
    if dimension == Dimension.AGE_BAND:
        return [(k, v) for k, v in AgeBand.choices if k != AgeBand.PREFER_NOT]
    if dimension == Dimension.RACE_ETHNICITY:
        return [(k, v) for k, v in RaceEthnicity.choices if k != RaceEthnicity.PREFER_NOT]
    if dimension == Dimension.LANGUAGE:
        return list(settings.LANGUAGES)
    if dimension == Dimension.NEIGHBORHOOD:
        return [(name, name) for name in neighborhoods]
    if dimension == Dimension.LIVED_EXPERIENCE:
        return [(name, name) for name in lived_experience]
    return []


def group_label(dimension: str, group: str) -> str:
    labels = dict(group_choices(dimension))
    return str(labels.get(group, group))


# --- counting: one scan for every dimension -------------------------------------------------------
#
# The fixed-choice columns (role, age, language, channel, neighborhood, partner) are counted with
# one COUNT … FILTER per listed value, and the multi-select answers (race/ethnicity, lived
# experience) by grouping the scan on the answers themselves: the distinct answer lists are few
# (they depend on the choices, not on the number of people), and `_multi_select` folds them into
# per-group counts exactly as the per-group SQL tests did (see `_race_groups`, `_lived_groups`).
# A value found in the data but not listed (possible: choices are not enforced by the database,
# and a neighborhood can leave the settings' list) is detected by an "other" count in the same
# scan, and only then counted by a GROUP BY of its own.

RACE_GROUPS = [(k, v) for k, v in RaceEthnicity.choices if k != RaceEthnicity.PREFER_NOT]

# Where the multi-select answers are in a row of `_participants(...).values(...)`.
ANSWERED = "answered"  # the person has a demographics row
RACE = "demographics__race_ethnicity"
LIVED = "demographics__lived_experience"
LIVED_PREFER_NOT = "demographics__lived_experience_prefer_not"


def _answered():
    return ExpressionWrapper(Q(demographics__isnull=False), output_field=BooleanField())


def _race_groups(row) -> list[str] | None:
    """The race/ethnicity groups a person counts in; None: "not answered or preferred not to say"
    (no answers, an empty list, or "prefer not" among the answers)."""
    answers = row[RACE]
    if not row[ANSWERED] or answers == [] or _holds(answers, RaceEthnicity.PREFER_NOT):
        return None
    return [key for key, _label in RACE_GROUPS if _holds(answers, key)]


def _lived_groups(row, groups) -> list[str] | None:
    """The listed lived-experience groups a person counts in; None: not answered (no answers,
    "prefer not", or an empty list)."""
    answers = row[LIVED]
    if not row[ANSWERED] or row[LIVED_PREFER_NOT] or answers == []:
        return None
    return [name for name in dict.fromkeys(groups) if _holds(answers, name)]


def _holds(answers, value) -> bool:
    return isinstance(answers, list) and value in answers


def _multi_select(rows, pick, keys) -> dict:
    """{key: people, None: people not answered} from grouped rows (each with its count `n`)."""
    counts = dict.fromkeys([*keys, None], 0)
    for row in rows:
        picked = pick(row)
        if picked is None:
            counts[None] += row["n"]
        else:
            for key in picked:
                counts[key] += row["n"]
    return counts


def _race_rows(counts: dict) -> list[tuple[str, str, int]]:
    rows = [(key, str(label), counts[key]) for key, label in RACE_GROUPS]
    rows.append((NOT_ANSWERED, _("Not answered or preferred not to say"), counts[None]))
    return rows


def _lived_rows(counts: dict, groups) -> list[tuple[str, str, int]]:
    rows = [(name, name, counts[name]) for name in groups]
    rows.append(
        (NOT_ANSWERED, _("None of these, not answered or preferred not to say"), counts[None])
    )
    return rows


def _grouped_in_python(rows, field_name: str) -> dict:
    counts = {}
    for row in rows:
        counts[row[field_name]] = counts.get(row[field_name], 0) + row["n"]
    return counts


@dataclass
class _Counts:
    """The tallies as the tables read them: per column {value: people} (partners by membership
    id, None for "no partner"), and the multi-select questions per listed group (None: not
    answered)."""

    counts: dict
    race: dict
    lived: dict


def _counts(tally: dict[str, dict[str, int]], *, lived_groups) -> _Counts:
    def column(dimension):
        return dict(tally.get(dimension, {}))

    partners = {int(k) if k else None: n for k, n in tally.get("partner", {}).items()}

    def multi(dimension, keys):
        found = tally.get(dimension, {})
        counts = {key: found.get(key, 0) for key in keys}
        counts[None] = found.get(tallies.NOT_ANSWERED, 0)
        return counts

    return _Counts(
        counts={
            "role_category": column("role_category"),
            "age_band": column("age_band"),
            "preferred_language": column("language"),
            "neighborhood": column("neighborhood"),
            "how_heard": column("how_heard"),
            "partner_id": partners,
        },
        race=multi("race", [key for key, _label in RACE_GROUPS]),
        lived=multi("lived", list(dict.fromkeys(lived_groups))),
    )


def _with_not_given(groups, counts: dict) -> list[tuple[str, str, int]]:
    rows = _with_unlisted(groups, counts)
    rows.append((NOT_GIVEN, _("Not given"), counts.get("", 0)))
    return rows


# --- building suppressed tables -----------------------------------------------------------------


def _table(
    *,
    key: str,
    label: str,
    counts: list[tuple[str, str, int]],
    population: int,
    population_suppressed: bool,
    additive: bool,
    targets: dict | None = None,
    dimension: str | None = None,
    also_hide: frozenset = frozenset(),
    identifiable: bool = False,
) -> Table:
    """Suppress `counts` and derive shares, targets, gaps and ratios from the shown cells only.

    Multi-select tables are suppressed with complementary suppression too (their total is
    not shown): with most people picking one answer, "not answered" and the other shown
    cells would otherwise give a single hidden cell back.

    `also_hide` names cells that must be hidden because another table hides the same number;
    `suppress` picks their complementary cells as it would for any small cell.
    `identifiable` is for bodies whose members readers know by name (see `suppress`): there
    `population` is the number of people in the body.
    """
    suppressed = suppress(
        [(k, n) for k, _label, n in counts],
        additive=True,
        identifiable=identifiable,
        population=population if identifiable else None,
        also_hide=also_hide,
    )
    true_total = sum(n for _k, _label, n in counts)
    shares_shown = population > 0 and not population_suppressed
    rows = []
    for (k, row_label, _n), cell in zip(counts, suppressed.cells, strict=True):
        row = Row(key=k, label=row_label, value=cell.value, suppressed=cell.suppressed)
        if cell.value is not None and shares_shown:
            row.share = _percent_of(cell.value, population)
        target = (targets or {}).get((dimension, k))
        if target is not None:
            _apply_target(row, target, population=population, shown=shares_shown)
        rows.append(row)
    table = Table(
        key=key,
        label=label,
        additive=additive,
        rows=rows,
        total=true_total if additive and not suppressed.total_suppressed else None,
        total_suppressed=suppressed.total_suppressed if additive else False,
        population=population if shares_shown else None,
    )
    table.index = _index([row for row in rows if row.ratio is not None])
    return table


def _apply_target(row: Row, target: InclusionTarget, *, population: int, shown: bool):
    if target.community_share is not None:
        row.community_share = target.community_share * HUNDRED
        row.source = target.source
        row.source_year = target.source_year
        if row.share is not None and target.community_share > 0:
            row.ratio = row.share / row.community_share
    if target.target_count is not None:
        row.target_label = _people(target.target_count)
        row.target_people = target.target_count
    elif target.target_share is not None:
        row.target_label = format_percent(target.target_share * HUNDRED)
        if shown:
            # "20% of 113 people" is 22.6: 23 people reach it.
            row.target_people = int(
                (target.target_share * population).to_integral_value(ROUND_CEILING)
            )
    if row.value is not None and row.target_people is not None:
        row.gap = max(row.target_people - row.value, 0)


def _index(rows: list[Row]) -> Decimal | None:
    if len(rows) < 2:
        return None
    highest = max(row.ratio for row in rows)
    if highest == 0:
        return None
    return (min(row.ratio for row in rows) / highest).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _overall_index(tables: list[Table]) -> RepresentationIndex | None:
    candidates = [(row, table) for table in tables for row in table.rows if row.ratio is not None]
    if len(candidates) < 2:
        return None
    low = min(candidates, key=lambda pair: pair[0].ratio)
    high = max(candidates, key=lambda pair: pair[0].ratio)
    if high[0].ratio == 0:
        return None
    return RepresentationIndex(
        value=(low[0].ratio / high[0].ratio).quantize(Decimal("0.01"), ROUND_HALF_UP),
        lowest=low[0],
        lowest_dimension=low[1].label,
        highest=high[0],
        highest_dimension=high[1].label,
    )


def gap_alerts(tables: list[Table]) -> list[str]:
    """Plain-language alerts for every group with a target it has not reached (or may not have)."""
    alerts = []
    for table in tables:
        for row in table.rows:
            if not row.has_target:
                continue
            names = {"dimension": table.label, "group": row.label, "target": row.target_label}
            if row.suppressed:
                alerts.append(
                    _(
                        "%(dimension)s · %(group)s: the number so far is hidden to protect "
                        "privacy; the target is %(target)s."
                    )
                    % names
                )
            elif row.gap is None:  # nobody yet, and the total is too small to show
                alerts.append(
                    _("%(dimension)s · %(group)s: no one yet; the target is %(target)s.") % names
                )
            elif row.gap > 0:
                alerts.append(
                    ngettext(
                        "%(dimension)s · %(group)s: %(gap)d more person needed to reach %(target)s.",
                        "%(dimension)s · %(group)s: %(gap)d more people needed to reach %(target)s.",
                        row.gap,
                    )
                    % {**names, "gap": row.gap}
                )
    return alerts


# --- where each target stands -------------------------------------------------------------------
#
# While an initiative is small most counts are hidden, and a group's gap ("12 more needed") with
# them. The status below still says where a group with a target stands, without giving a hidden
# count away. Read `target_status` before changing anything here.


def target_progress(
    *, initiative: Initiative, tables: list[Table], members
) -> list[TargetProgress]:
    """Every group with a target, in the dashboard's order, with its status (set by
    `apply_target_statuses`) and the partners who could reach it (one query, none without
    targets; participants/selectors/outreach.py: from the coalition's records, never from who
    signed up)."""
    items = [
        TargetProgress(dimension=table.key, dimension_label=table.label, row=row)
        for table in tables
        for row in table.rows
        if row.has_target
    ]
    leads = outreach.partners_for_groups(
        initiative=initiative,
        members=members,
        groups=[(item.dimension, item.row.key) for item in items],
    )
    for item in items:
        item.partners = leads.get((item.dimension, item.row.key), [])
    return items


# --- breakdowns ---------------------------------------------------------------------------------


def _partners(initiative: Initiative) -> list[CoalitionMembership]:
    return list(
        CoalitionMembership.objects.filter(initiative=initiative)
        .select_related("organization")
        .order_by("organization__name", "pk")
    )


def _partner_rows(members, counts: dict) -> list[tuple[str, str, int]]:
    rows = [(str(m.pk), m.organization.name, counts.get(m.pk, 0)) for m in members]
    rows.append((NO_PARTNER, _("No referring partner"), counts.get(None, 0)))
    return rows


def _week_counts(weeks: dict[str, int]) -> list[tuple[str, str, int]]:
    """New registrations per week (Monday start, in the initiative's time zone), gaps as 0,
    from the tallies' {Monday (YYYY-MM-DD): people}.

    Per week, never cumulative: differences of cumulative counts would give small weeks back.
    """
    counts = {date.fromisoformat(day): n for day, n in weeks.items()}
    if not counts:
        return []
    week, last = min(counts), max(counts)
    result = []
    while week <= last:
        label = _("Week of %(date)s") % {"date": formats.date_format(week, "DATE_FORMAT")}
        result.append((week.isoformat(), label, counts.get(week, 0)))
        week += timedelta(days=7)
    return result


# --- decision-making bodies ---------------------------------------------------------------------


def inclusion_dashboard(*, initiative: Initiative) -> InclusionDashboard:
    """Everything the dashboard and its CSV show, suppressed. Eight queries, whatever the number
    of participants: settings, targets, partners, one scan of the participants with their
    demographics, the weeks, and the team (its emails, its registrations)."""
    neighborhoods, lived_groups = registration_lists(initiative)
    targets = {
        (t.dimension, t.group): t for t in InclusionTarget.objects.filter(initiative=initiative)
    }
    members = _partners(initiative)
    tally = tallies.tallies(initiative)
    scan = _counts(tally, lived_groups=lived_groups)
    role_counts = _with_unlisted(RoleCategory.choices, scan.counts["role_category"])
    population = sum(n for _k, _l, n in role_counts)
    population_suppressed = shown_count(population) is None
    per_dimension = {
        Dimension.ROLE_CATEGORY: role_counts,
        Dimension.AGE_BAND: _with_unlisted(AgeBand.choices, scan.counts["age_band"]),
        Dimension.NEIGHBORHOOD: _with_not_given(
            [(n, n) for n in neighborhoods], scan.counts["neighborhood"]
        ),
        Dimension.RACE_ETHNICITY: _race_rows(scan.race),
        Dimension.LANGUAGE: _with_unlisted(settings.LANGUAGES, scan.counts["preferred_language"]),
        Dimension.LIVED_EXPERIENCE: _lived_rows(scan.lived, lived_groups),
    }
    dimensions = [
        _table(
            key=dimension,
            label=Dimension(dimension).label,
            counts=per_dimension[dimension],
            population=population,
            population_suppressed=population_suppressed,
            additive=dimension not in MULTI_SELECT,
            targets=targets,
            dimension=dimension,
        )
        for dimension in Dimension.values
    ]
    for table in dimensions:
        if not table.additive:
            table.note = _("People could choose several answers, so these rows do not add up.")
    for table in dimensions:
        table.chart = share_chart(table)
    apply_target_statuses(dimensions, population_hidden=population_suppressed)
    common = {"population": population, "population_suppressed": population_suppressed}
    by_dimension = {table.key: table for table in dimensions}
    from .decision_bodies import decision_bodies  # noqa: PLC0415 — it builds on this module

    bodies = decision_bodies(initiative=initiative, participant_tables=by_dimension)
    weeks = _table(
        key="week",
        label=_("New registrations per week"),
        counts=_week_counts(tally.get("week", {})),
        additive=True,
        **common,
    )
    weeks.chart = week_chart(weeks)
    return InclusionDashboard(
        initiative=initiative,
        total=None if population_suppressed else population,
        total_suppressed=population_suppressed,
        dimensions=dimensions,
        index=_overall_index(dimensions),
        alerts=gap_alerts(dimensions),
        partners=_table(
            key="partner",
            label=_("Referring partner"),
            counts=_partner_rows(members, scan.counts["partner_id"]),
            additive=True,
            **common,
        ),
        channels=_table(
            key="channel",
            label=_("How they heard"),
            counts=_with_not_given(Channel.choices, scan.counts["how_heard"]),
            additive=True,
            **common,
        ),
        weeks=weeks,
        decision_bodies=bodies,
        targets=target_progress(initiative=initiative, tables=dimensions, members=members),
    )


# --- targets ------------------------------------------------------------------------------------


@dataclass
class TargetGroup:
    dimension: str
    label: str
    targets: list = field(default_factory=list)
    can_add: bool = True


def targets_by_dimension(*, initiative: Initiative) -> list[TargetGroup]:
    """The initiative's benchmarks and targets grouped by dimension, labelled. Two queries."""
    neighborhoods, lived = registration_lists(initiative)
    lists = {"neighborhoods": neighborhoods, "lived_experience": lived}
    groups = {
        value: TargetGroup(
            dimension=value,
            label=str(label),
            can_add=bool(group_choices(value, **lists)),
        )
        for value, label in Dimension.choices
    }
    choices = {value: group_choices(value, **lists) for value in Dimension.values}
    order = {
        (dimension, key): index
        for dimension, pairs in choices.items()
        for index, (key, _label) in enumerate(pairs)
    }
    targets = sorted(
        InclusionTarget.objects.filter(initiative=initiative),
        key=lambda t: (order.get((t.dimension, t.group), len(order)), t.group),
    )
    for target in targets:
        labels = dict(choices.get(target.dimension, []))
        target.group_label = str(labels.get(target.group, target.group))
        if target.community_share is not None:
            target.community_percent = target.community_share * HUNDRED
        if target.target_share is not None:
            target.target_label = format_percent(target.target_share * HUNDRED)
        elif target.target_count is not None:
            target.target_label = _people(target.target_count)
        else:
            target.target_label = ""
        if target.dimension in groups:
            groups[target.dimension].targets.append(target)
    return list(groups.values())


def target_for_initiative(*, initiative: Initiative, pk: int) -> InclusionTarget:
    target = InclusionTarget.objects.filter(initiative=initiative, pk=pk).first()
    if target is None:
        raise Http404
    return target
