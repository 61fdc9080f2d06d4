"""Bar charts drawn on the server, as HTML with inline SVG: nothing to run in the browser.

A chart drawn by a script library in the browser kept the page from answering for most of a
second on a mid-range phone (about 960 ms of total blocking time on the demo's inclusion
dashboard). These charts are markup sized here, so the page is drawn as it arrives, prints,
and reads the same with scripts off.

Lengths are percentages of the plot (SVG `width="37.5%"`): presentation attributes, which the
Content-Security-Policy (no inline styles) allows. They are written with a dot whatever the
language, for SVG; the figures printed on the bars are localized.

A chart only ever holds figures its table shows: a hidden group has no bar and no figure.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils import formats
from django.utils.translation import gettext as _

# Horizontal bars: each bar's height and the gap between the bars of one group, in px.
BAR_PX = 14
BAR_GAP_PX = 3
# A figure goes inside its bar (instead of after it) once the bar is this long (percent of the
# plot), so that it never runs off the right edge.
INSIDE_FROM = 80
# Vertical bars: the tallest takes this share of the plot's height; the rest holds its figure.
COLUMN_HEADROOM = Decimal(82)


def _length(value: Decimal | float) -> str:
    """A percentage for an SVG attribute: dot decimal, never localized."""
    return f"{Decimal(value):.2f}"


@dataclass(frozen=True)
class Bar:
    series: int  # index into the chart's series: its colour and its legend entry
    value: str  # the figure, unlocalized (data-value, for tests and tools)
    text: str  # the figure as printed, localized
    length: str  # percent of the plot, for SVG
    start: str = "0"  # vertical bars: percent of the plot above the bar
    offset: int = 0  # horizontal bars: px from the top of the group
    inside: bool = False  # the figure is printed inside the bar's end

    @property
    def height(self) -> int:
        return BAR_PX

    @property
    def baseline(self) -> int:
        """Horizontal bars: where the figure's text sits, in px from the top of the group."""
        return self.offset + BAR_PX - 3


@dataclass(frozen=True)
class Group:
    label: str
    bars: list[Bar]  # one per series; empty for a hidden group (drawn as a gap)
    hidden: bool = False

    @property
    def bar(self) -> Bar | None:
        return self.bars[0] if self.bars else None


@dataclass(frozen=True)
class BarChart:
    """`horizontal`: a group per row, one bar per series (shares); otherwise a column per group
    of a single series (counts over time)."""

    horizontal: bool
    series: list[str]
    groups: list[Group] = field(default_factory=list)

    @property
    def group_px(self) -> int:
        return len(self.series) * (BAR_PX + BAR_GAP_PX)

    @property
    def many(self) -> bool:
        """Columns too narrow for a label written across."""
        return not self.horizontal and len(self.groups) > 12


def _tenths(value: Decimal) -> Decimal:
    """Rounded as the tables round their shares (floatformat: half up)."""
    return Decimal(value).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _percent(value: Decimal) -> str:
    return formats.number_format(_tenths(value), 1) + "%"


def share_bars(series: list[str], groups: list[tuple[str, list[Decimal]]]) -> BarChart:
    """Horizontal bars of percentages (0–100): per group, one bar per series. The scale runs to
    50% or, when a share is above that, to 100%."""
    top = max((value for _label, values in groups for value in values), default=Decimal(0))
    scale = Decimal(50) if top <= 50 else Decimal(100)
    drawn = []
    for label, values in groups:
        bars = []
        for index, value in enumerate(values):
            length = min(Decimal(value) * 100 / scale, Decimal(100))
            bars.append(
                Bar(
                    series=index,
                    value=str(_tenths(value)),
                    text=_percent(value),
                    length=_length(length),
                    offset=index * (BAR_PX + BAR_GAP_PX),
                    inside=length >= INSIDE_FROM,
                )
            )
        drawn.append(Group(label=label, bars=bars))
    return BarChart(horizontal=True, series=series, groups=drawn)


def count_columns(series: str, groups: list[tuple[str, int | None]]) -> BarChart:
    """A column per group with its count; None is a hidden count, drawn as a gap."""
    top = max((value for _label, value in groups if value), default=0)
    drawn = []
    for label, value in groups:
        if value is None:
            drawn.append(Group(label=label, bars=[], hidden=True))
            continue
        length = Decimal(value) * COLUMN_HEADROOM / top if top else Decimal(0)
        bar = Bar(
            series=0,
            value=str(value),
            text=formats.number_format(value),
            length=_length(length),
            start=_length(100 - length),
        )
        drawn.append(Group(label=label, bars=[bar]))
    return BarChart(horizontal=False, series=[series], groups=drawn)


# --- the inclusion dashboard's charts (its tables: participants/selectors/inclusion.py) ----


def week_chart(table) -> BarChart | None:
    """A column of new registrations per week; None when there is nothing shown to draw."""
    if not any(row.value for row in table.rows):
        return None
    return count_columns(
        _("New registrations"),
        [
            (formats.date_format(date.fromisoformat(row.key), "DATE_FORMAT"), row.value)
            for row in table.rows
        ],
    )


def share_chart(table) -> BarChart | None:
    """Share of participants against share of the community, for the groups with a community
    share whose count is shown; None when there are none."""
    rows = [row for row in table.rows if row.share is not None and row.community_share is not None]
    if not rows:
        return None
    return share_bars(
        [_("Participants"), _("Community")],
        [(row.label, [row.share, row.community_share]) for row in rows],
    )
