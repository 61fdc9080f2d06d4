"""The change report: did trust change between the waves?

Per measure (each scale, each compared agreement question) and per level (everyone, each
group, each circle): per wave the mean and its n, and the paired change (post − pre, and
follow-up − pre) over the people who answered both, with a 95 % confidence interval (t
distribution, n − 1 degrees of freedom). Response rates per wave: invited against answered.

Everything is aggregated in SQL in a fixed number of queries: additive sufficient statistics
(n, Σx, Σx², and for pairs n, Σd, Σd²) per (wave, group, circle, measure); a pair is a later
answer annotated with the same person's pre answer (a subquery on the pseudonym), then summed.
Python only adds these cells up into the levels.

Privacy: a figure about fewer than 10 people is never shown (no mean, no n, no change), and
since the groups partition "everyone" (and so do the circles), complementary suppression
(dialogue_hub.privacy.suppress) hides further groups so that a hidden one cannot be worked
out from everyone minus the others: `hidden` figures have every number set to None.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, FloatField, OuterRef, Subquery, Sum
from django.db.models.functions import Cast
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from dialogue_hub.privacy import THRESHOLD, suppress
from dialogue_hub.text import csv_cell
from guides.models import Circle
from initiatives.models import Initiative

from ..library import SCALES
from ..models import (
    WAVE_ORDER,
    Answer,
    Audience,
    Group,
    Invitation,
    Item,
    ItemKind,
    Response,
    ScaleScore,
    Wave,
    WaveKind,
)
from ..statistics import Moments

ALL = "all"
GROUP = "group"
CIRCLE = "circle"
NO_CIRCLE = None  # respondents outside any circle: a cell of the circles' partition, never shown
LEVEL = 0.95


@dataclass(frozen=True)
class WaveMean:
    """One wave's mean for one measure and level; n and mean are None when hidden."""

    wave: str
    n: int | None
    mean: float | None
    hidden: bool


@dataclass(frozen=True)
class Change:
    """The paired mean change from the pre wave to `wave` (post or follow-up) over the people
    who answered both, with its confidence interval (None where n < 2); None when hidden."""

    wave: str
    n: int | None
    mean: float | None
    low: float | None
    high: float | None
    hidden: bool


@dataclass(frozen=True)
class Row:
    """One level of one measure: everyone (key None), a group (key a Group) or a circle (pk)."""

    level: str
    key: object
    label: str
    means: list[WaveMean]
    changes: list[Change]

    @property
    def hidden(self) -> bool:
        return all(m.hidden for m in self.means) and all(c.hidden for c in self.changes)

    def mean(self, wave: str) -> WaveMean | None:
        return next((m for m in self.means if m.wave == wave), None)

    def change(self, wave: str) -> Change | None:
        return next((c for c in self.changes if c.wave == wave), None)

    @property
    def pre(self):
        return self.mean(WaveKind.PRE)

    @property
    def post(self):
        return self.mean(WaveKind.POST)

    @property
    def follow_up(self):
        return self.mean(WaveKind.FOLLOW_UP)

    @property
    def post_change(self):
        return self.change(WaveKind.POST)

    @property
    def follow_up_change(self):
        return self.change(WaveKind.FOLLOW_UP)


@dataclass
class Measure:
    """A scale (kind "scale") or a compared question (kind "item"), with its rows: everyone
    first, then each group, then each circle."""

    kind: str
    key: str
    label: str
    note: str
    rows: list[Row]
    chart: object = None  # set by the view: evaluation.views.change.mean_chart

    @property
    def everyone(self) -> Row:
        return self.rows[0]

    @property
    def groups(self) -> list[Row]:
        return [row for row in self.rows if row.level in (ALL, GROUP)]

    @property
    def circles(self) -> list[Row]:
        return [row for row in self.rows if row.level == CIRCLE]

    @property
    def shown_rows(self) -> list[Row]:
        return [row for row in self.rows if row.level != CIRCLE or not row.hidden]


@dataclass(frozen=True)
class RateCell:
    wave: str
    invited: int | None
    answered: int | None
    hidden: bool

    @property
    def rate(self) -> float | None:
        if self.hidden or not self.invited or self.answered is None:
            return None
        return min(self.answered / self.invited, 1.0)


@dataclass(frozen=True)
class RateRow:
    level: str
    key: object
    label: str
    cells: list[RateCell]

    @property
    def hidden(self) -> bool:
        return all(cell.hidden for cell in self.cells)


@dataclass
class ChangeReport:
    """`waves`: the kinds of the initiative's waves, in order; `changes`: the later waves a
    change is reported for; `has_answers`: any wave has an answer yet."""

    waves: list[str]
    changes: list[str]
    has_answers: bool
    rates: list[RateRow]
    scales: list[Measure]
    items: list[Measure] = field(default_factory=list)

    @property
    def measures(self) -> list[Measure]:
        return [*self.scales, *self.items]

    @property
    def has_follow_up(self) -> bool:
        return WaveKind.FOLLOW_UP in self.waves

    def wave_label(self, kind: str) -> str:
        return str(WaveKind(kind).label)

    @property
    def wave_labels(self) -> list[str]:
        """The waves' names, in the order of each row's `means`."""
        return [self.wave_label(kind) for kind in self.waves]

    @property
    def change_labels(self) -> list[str]:
        """What each of a row's `changes` compares, in their order."""
        return [
            _("After minus before") if kind == WaveKind.POST else _("Follow-up minus before")
            for kind in self.changes
        ]


# --- the queries -------------------------------------------------------------------------------


def _moments(queryset, measure_field: str, value) -> dict:
    """{(wave, group, circle, measure): Moments} of `value` (a field or an expression) over
    `queryset` (ScaleScore or Answer rows), summed in SQL by wave, group, circle and measure."""
    value = F(value) if isinstance(value, str) else value
    rows = (
        queryset.values(
            wave=F("response__wave__kind"),
            group=F("response__group"),
            circle=F("response__circle_id"),
            measure=F(measure_field),
        )
        .annotate(
            n=Count("id"),
            total=Sum(value, output_field=FloatField()),
            squares=Sum(value * value, output_field=FloatField()),
        )
        .order_by()
    )
    return {
        (row["wave"], row["group"], row["circle"], row["measure"]): Moments(
            row["n"], float(row["total"] or 0), float(row["squares"] or 0)
        )
        for row in rows
    }


def _wave_stats(initiative):
    """Each wave's sums of scale scores and of answers."""
    scores = ScaleScore.objects.filter(response__wave__initiative=initiative)
    answers = Answer.objects.filter(response__wave__initiative=initiative, value__isnull=False)
    return _moments(scores, "scale", "score"), _moments(answers, "key", "value")


def _pair_stats(initiative, pre_wave_id):
    """Later answers annotated with the same person's pre answer, summed as differences."""
    if pre_wave_id is None:
        return {}, {}
    pre_score = ScaleScore.objects.filter(
        response__wave_id=pre_wave_id,
        response__respondent=OuterRef("response__respondent"),
        scale=OuterRef("scale"),
    ).values("score")[:1]
    scores = (
        ScaleScore.objects.filter(response__wave__initiative=initiative)
        .exclude(response__wave_id=pre_wave_id)
        .annotate(pre=Subquery(pre_score, output_field=FloatField()))
        .filter(pre__isnull=False)
    )
    pre_value = Answer.objects.filter(
        response__wave_id=pre_wave_id,
        response__respondent=OuterRef("response__respondent"),
        key=OuterRef("key"),
        value__isnull=False,
    ).values("value")[:1]
    answers = (
        Answer.objects.filter(response__wave__initiative=initiative, value__isnull=False)
        .exclude(response__wave_id=pre_wave_id)
        .annotate(pre=Subquery(pre_value, output_field=FloatField()))
        .filter(pre__isnull=False)
    )
    return (
        _moments(scores, "scale", F("score") - F("pre")),
        _moments(answers, "key", Cast("value", FloatField()) - F("pre")),
    )


def _counts(queryset):
    """{(wave, group, circle): count}"""
    return {
        (wave, group, circle): n
        for wave, group, circle, n in queryset.values("wave__kind", "group", "circle_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("wave__kind", "group", "circle_id", "n")
    }


# --- putting the levels together -------------------------------------------------------------


@dataclass
class _Levels:
    """The report's levels: the groups and the circles (each a partition of everyone)."""

    groups: list[tuple[str, str]]
    circles: list[tuple[int, str]]

    def rows(self):
        yield ALL, None, _("All groups")
        for key, label in self.groups:
            yield GROUP, key, label
        for key, label in self.circles:
            yield CIRCLE, key, label


def _sum_by(cells: dict, wave, measure=None) -> tuple[dict, dict]:
    """Moments (or counts) of one wave (and measure) by group and by circle."""
    by_group: dict = defaultdict(Moments)
    by_circle: dict = defaultdict(Moments)
    for key, value in cells.items():
        if key[0] != wave or (measure is not None and key[3] != measure):
            continue
        by_group[key[1]] += value
        by_circle[key[2]] += value
    return by_group, by_circle


def _suppressed(levels: _Levels, by_group: dict, by_circle: dict):
    """(everyone hidden, {group: hidden}, {circle: hidden}) for one table of figures, from
    the counts behind them (groups and circles each partition everyone)."""
    groups = suppress([(key, by_group.get(key, Moments()).n) for key, _label in levels.groups])
    circle_keys = [key for key, _label in levels.circles]
    extra = [key for key in by_circle if key not in circle_keys]  # no circle (or a deleted one)
    circles = suppress(
        [(key, by_circle.get(key, Moments()).n) for key in circle_keys]
        + [(key, by_circle[key].n) for key in extra]
    )
    # Everyone's figure is the groups table's total. The circles table hides its total when
    # every circle is hidden (circles of 8–12 people often are); that alone must not hide
    # everyone: hidden circles stay unknowable beside a shown total unless they are all at
    # the floor (1 each) or all at the ceiling (9 each), the one case that names them.
    hidden_circles = [cell.count for cell in circles.cells if cell.count > 0]
    pinned = circles.total_suppressed and (
        circles.total == len(hidden_circles)
        or circles.total == (THRESHOLD - 1) * len(hidden_circles)
    )
    everyone_hidden = groups.total_suppressed or pinned
    group_hidden = {cell.key: cell.suppressed or everyone_hidden for cell in groups.cells}
    circle_hidden = {
        cell.key: cell.suppressed or everyone_hidden or circles.total_suppressed
        for cell in circles.cells
    }
    return everyone_hidden, group_hidden, circle_hidden


def _figures(levels: _Levels, cells: dict, wave, measure):
    """{(level, key): (Moments, hidden)} for one wave and measure."""
    by_group, by_circle = _sum_by(cells, wave, measure)
    everyone = sum(by_group.values(), Moments())
    everyone_hidden, group_hidden, circle_hidden = _suppressed(levels, by_group, by_circle)
    figures = {(ALL, None): (everyone, everyone_hidden)}
    for key, _label in levels.groups:
        figures[GROUP, key] = (by_group.get(key, Moments()), group_hidden.get(key, False))
    for key, _label in levels.circles:
        figures[CIRCLE, key] = (by_circle.get(key, Moments()), circle_hidden.get(key, False))
    return figures


def _measure(kind, key, label, note, levels, waves, changes, wave_cells, pair_cells) -> Measure:
    means = {wave: _figures(levels, wave_cells, wave, key) for wave in waves}
    paired = {wave: _figures(levels, pair_cells, wave, key) for wave in changes}
    rows = []
    for level, level_key, level_label in levels.rows():
        row_means = []
        for wave in waves:
            moments, hidden = means[wave][level, level_key]
            row_means.append(
                WaveMean(
                    wave=wave,
                    n=None if hidden else moments.n,
                    mean=None if hidden else moments.mean,
                    hidden=hidden,
                )
            )
        row_changes = []
        for wave in changes:
            moments, hidden = paired[wave][level, level_key]
            interval = None if hidden else moments.interval(LEVEL)
            row_changes.append(
                Change(
                    wave=wave,
                    n=None if hidden else moments.n,
                    mean=None if hidden else moments.mean,
                    low=interval[0] if interval else None,
                    high=interval[1] if interval else None,
                    hidden=hidden,
                )
            )
        rows.append(Row(level, level_key, level_label, row_means, row_changes))
    return Measure(kind=kind, key=key, label=label, note=note, rows=rows)


def _rates(levels: _Levels, waves, invited: dict, answered: dict) -> list[RateRow]:
    def as_moments(counts):
        return {(w, g, c, None): Moments(n) for (w, g, c), n in counts.items()}

    invited_cells, answered_cells = as_moments(invited), as_moments(answered)
    # Those asked who did not answer: shown asked and answered counts give it by subtraction,
    # so it is suppressed too (paper surveys of people never asked count as no one missing).
    missing_cells = as_moments(
        {key: max(0, n - answered.get(key, 0)) for key, n in invited.items()}
    )
    tables = {
        wave: (
            _figures(levels, invited_cells, wave, None),
            _figures(levels, answered_cells, wave, None),
            _figures(levels, missing_cells, wave, None),
        )
        for wave in waves
    }
    rows = []
    for level, key, label in levels.rows():
        cells = []
        for wave in waves:
            (asked, asked_hidden), (done, done_hidden), (_missing, missing_hidden) = (
                tables[wave][0][level, key],
                tables[wave][1][level, key],
                tables[wave][2][level, key],
            )
            # The rate of a hidden count would give it back: hide the pair together, and with
            # it when the difference (who did not answer) is hidden.
            hidden = asked_hidden or done_hidden or missing_hidden
            cells.append(
                RateCell(
                    wave=wave,
                    invited=None if hidden else asked.n,
                    answered=None if hidden else done.n,
                    hidden=hidden,
                )
            )
        rows.append(RateRow(level, key, label, cells))
    return rows


def _compared_items(instrument_ids, language) -> list[tuple[str, str, str, str]]:
    """(key, scale, label, note) of each compared agreement question of the waves' surveys, in
    their order: the label is the question residents answer; the note says officers answered
    the mirror question about residents."""
    found: dict[str, dict] = {}
    for item in Item.objects.filter(
        instrument_id__in=instrument_ids, compared=True, kind=ItemKind.AGREEMENT
    ).order_by("instrument_id", "position"):
        entry = found.setdefault(item.key, {"scale": item.scale, "label": "", "mirror": False})
        if item.audience == Audience.POLICE:
            entry["mirror"] = True
            entry["fallback"] = entry.get("fallback") or item.text(language)
        elif not entry["label"]:
            entry["label"] = item.text(language)
    items = []
    for key, entry in found.items():
        label = entry["label"] or entry.get("fallback") or key
        note = (
            _("Police and officials answered the mirror question about residents.")
            if entry["mirror"] and entry["label"]
            else ""
        )
        items.append((key, entry["scale"], label, note))
    return items


def change_report(initiative: Initiative) -> ChangeReport:
    """The initiative's change report, every figure about fewer than 10 people hidden."""
    language = get_language() or "en"
    wave_rows = list(
        Wave.objects.filter(initiative=initiative).values_list("kind", "pk", "instrument_id")
    )
    order = {kind: index for index, kind in enumerate(WAVE_ORDER)}
    wave_rows.sort(key=lambda row: order.get(row[0], len(order)))
    waves = [kind for kind, _pk, _instrument in wave_rows]
    pre_id = next((pk for kind, pk, _instrument in wave_rows if kind == WaveKind.PRE), None)
    changes = [kind for kind in waves if kind != WaveKind.PRE] if pre_id else []
    items = _compared_items([instrument for *_rest, instrument in wave_rows], language)
    levels = _Levels(
        groups=[(key, str(label)) for key, label in Group.choices],
        circles=list(
            Circle.objects.filter(initiative=initiative)
            .order_by("name", "pk")
            .values_list("pk", "name")
        ),
    )
    invited = _counts(Invitation.objects.filter(wave__initiative=initiative))
    answered = _counts(Response.objects.filter(wave__initiative=initiative))
    score_cells, answer_cells = _wave_stats(initiative)
    score_pairs, answer_pairs = _pair_stats(initiative, pre_id)
    scales = [
        _measure("scale", key, str(label), "", levels, waves, changes, score_cells, score_pairs)
        for key, label in SCALES.items()
    ]
    measures = [
        _measure("item", key, label, note, levels, waves, changes, answer_cells, answer_pairs)
        for key, _scale, label, note in items
    ]
    return ChangeReport(
        waves=waves,
        changes=changes,
        has_answers=bool(answered),
        rates=_rates(levels, waves, invited, answered),
        scales=scales,
        items=measures,
    )


# --- the CSV ---------------------------------------------------------------------------------

SUPPRESSED = "suppressed"


def _number(value, places=4):
    return "" if value is None else f"{value:.{places}f}"


def _count(value, hidden):
    return SUPPRESSED if hidden else ("" if value is None else value)


def csv_rows(report: ChangeReport) -> list[list]:
    """The report as rows (header first): one row per figure; a hidden figure is written
    "suppressed" in both its count and its value."""
    rows = [
        [
            _("figure"),
            _("measure"),
            _("question or scale"),
            _("level"),
            _("group"),
            _("wave"),
            _("people"),
            _("value"),
            _("95% interval, low"),
            _("95% interval, high"),
        ]
    ]
    for rate_row in report.rates:
        for cell in rate_row.cells:
            place = [rate_row.level, csv_cell(rate_row.label), cell.wave]
            rows.append(["invited", "", "", *place, _count(cell.invited, cell.hidden), "", "", ""])
            rate = SUPPRESSED if cell.hidden else _number(cell.rate)
            rows.append(
                ["answered", "", "", *place, _count(cell.answered, cell.hidden), rate, "", ""]
            )
    for measure in report.measures:
        label = csv_cell(measure.label)
        for row in measure.rows:
            place = [row.level, csv_cell(row.label)]
            for mean in row.means:
                value = SUPPRESSED if mean.hidden else _number(mean.mean)
                rows.append(
                    [
                        "mean",
                        measure.key,
                        label,
                        *place,
                        mean.wave,
                        _count(mean.n, mean.hidden),
                        value,
                        "",
                        "",
                    ]
                )
            for change in row.changes:
                hidden = change.hidden
                rows.append(
                    [
                        "change_from_pre",
                        measure.key,
                        label,
                        *place,
                        change.wave,
                        _count(change.n, hidden),
                        SUPPRESSED if hidden else _number(change.mean),
                        SUPPRESSED if hidden else _number(change.low),
                        SUPPRESSED if hidden else _number(change.high),
                    ]
                )
    return rows
