"""Where each inclusion target stands while the counts are small (the inclusion dashboard):
"on track", "below target" or "not yet known", from what the page shows and nothing else.

`Row` and `Table` are the dashboard's (participants/selectors/inclusion.py); a `Table` never
holds a hidden count.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy

from dialogue_hub.privacy import THRESHOLD

if TYPE_CHECKING:
    from .inclusion import Row, Table


ON_TRACK = "on_track"
BELOW_TARGET = "below_target"
NOT_YET_KNOWN = "not_yet_known"
STATUS_LABELS = {
    ON_TRACK: gettext_lazy("On track"),
    BELOW_TARGET: gettext_lazy("Below target"),
    NOT_YET_KNOWN: gettext_lazy("Not yet known"),
}


def hidden_range(table: Table, *, population_hidden: bool) -> tuple[int, int | None]:
    """The range (low, high; high None for "no bound") in which anyone reading `table` can
    already place each of its hidden counts, from what the table shows and the published
    suppression rule (dialogue_hub/privacy.py) alone:

    - a hidden count is at least 1: zeros are shown;
    - it is at most the smallest non-zero count shown in the table: the rule hides the smallest
      cells first;
    - it is at most the number of participants when that is shown, and at most 9 when that
      number is itself hidden (every count is then from 1 to 9);
    - where the table's total is shown (one row per person), the hidden counts add up to the
      total minus the shown ones: each is at most that sum minus 1 for each other hidden row,
      and at least that sum minus the most the other hidden rows can hold.

    Nothing here reads a hidden count: `Table` never holds one.
    """
    shown = [row.value for row in table.rows if not row.suppressed]
    hidden = sum(1 for row in table.rows if row.suppressed)
    nonzero = [value for value in shown if value > 0]
    highs = []
    if nonzero:
        highs.append(min(nonzero))
    if table.population is not None:
        highs.append(table.population)
    elif population_hidden:
        highs.append(THRESHOLD - 1)
    low = 1
    if table.additive and table.total is not None and hidden:
        rest = table.total - sum(shown)
        highs.append(rest - (hidden - 1))
        low = max(low, rest - (hidden - 1) * min(highs))
    return low, (min(highs) if highs else None)


def target_status(row: Row, *, low: int, high: int | None) -> str:
    """ON_TRACK (the group has reached its target), BELOW_TARGET or NOT_YET_KNOWN, for a row
    with a target ("" without one). `low`..`high` is the table's `hidden_range`.

    Why this cannot reveal a hidden count: the status is a function of what the page already
    shows and nothing else. A shown row compares its shown count with the target. A hidden row
    is never compared with its own count: it is "on track" only when the target is at most
    `low` and "below target" only when the target is above `high`, where `low` and `high` are
    bounds every reader can work out from the shown counts, the shown totals and the published
    rule (`hidden_range`); anywhere in between it is "not yet known", whatever the count. So two
    initiatives whose pages show the same numbers get the same statuses, and no comparison of
    statuses with totals, with other rows or with each other (or across dimensions, or over
    time: the statuses are worked out afresh from each version of the page) says more about a
    hidden count than the page says without them. A share target needs the number of
    participants to become a number of people; while that number is hidden, so is the status.

    tests/participants/test_target_status.py checks every small table: the status is always
    true, and identical across every set of counts that shows the same page.
    """
    if not row.has_target:
        return ""
    target = row.target_people
    if target is None:
        return NOT_YET_KNOWN
    if not row.suppressed:
        return ON_TRACK if row.value >= target else BELOW_TARGET
    if target <= low:
        return ON_TRACK
    if high is not None and target > high:
        return BELOW_TARGET
    return NOT_YET_KNOWN


def apply_target_statuses(tables: list[Table], *, population_hidden: bool) -> None:
    """Set `row.status` on every row with a target (see `target_status`)."""
    for table in tables:
        low, high = hidden_range(table, population_hidden=population_hidden)
        for row in table.rows:
            row.status = target_status(row, low=low, high=high)
