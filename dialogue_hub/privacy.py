"""Small-count suppression for every aggregate shown to anyone but the data steward.

Rule: a count from 1 to 9 is never shown (primary suppression). Where the cells of a table
add up to a total that is shown, hiding a single cell is not enough (total minus the others
gives it back), so the next-smallest non-zero cells are hidden too (complementary
suppression) until the hidden cells cannot be worked out from the total even by someone who
knows this rule (see `_usual`); when nothing else can be hidden, the total is hidden as well.
A zero is shown: it reveals no one.

Populations whose members readers know by name (the initiative team, action-team conveners)
need a stricter rule, `identifiable=True`: there "0 Black" or "all but 3 are white" says
something about named people. See `suppress`.

Anything derived from a hidden count (a share, a ratio, a bar) must be hidden with it:
`Cell.value` is None whenever `Cell.suppressed` is true.
"""

from dataclasses import dataclass

THRESHOLD = 10  # counts 1..THRESHOLD-1 are hidden


@dataclass(frozen=True)
class Cell:
    key: object
    count: int  # the true count: never render this for non-stewards, use `value`
    suppressed: bool

    @property
    def value(self):
        return None if self.suppressed else self.count


@dataclass(frozen=True)
class SuppressedTable:
    cells: list
    total: int
    total_suppressed: bool

    @property
    def total_value(self):
        return None if self.total_suppressed else self.total

    def get(self, key):
        for cell in self.cells:
            if cell.key == key:
                return cell
        return None


def is_small(count: int) -> bool:
    return 0 < count < THRESHOLD


def shown_count(count: int) -> int | None:
    """A single count as anyone but the data steward may see it: None (rendered "fewer than
    10") when it is from 1 to 9, else the count (zero included). The same as `suppress` on a
    table of one cell, which has no other cell to recover it from."""
    return None if is_small(count) else count


def suppress(
    counts,
    *,
    additive: bool = True,
    identifiable: bool = False,
    population: int | None = None,
    also_hide=(),
) -> SuppressedTable:
    """Suppress a table of counts given as [(key, count), …] or a dict.

    `additive` says the cells partition the total (each person in exactly one cell), so the
    total is shown and complementary suppression is needed. For multi-select questions
    (a person in several cells) pass additive=False: the cells do not add up to anything
    shown, and only primary suppression applies.

    `identifiable=True` is for populations whose members the readers know (a small team):
    (a) with fewer than 10 people everything is hidden, zeros and the total included;
    (b) otherwise a cell is hidden when it is 1–9, when it is within 9 of the number of people
    (its complement is small: "all but 3 are white" names the 3) and when it is zero ("no one
    on the team is Black" is a statement about named people);
    (c) then complementary suppression, stricter than the usual one because a reader who knows
    this rule knows every hidden cell is smaller than every shown one: while the hidden cells
    are a single cell, hold fewer than 10 people together (zero included: `total − shown`
    gives that), or could all be at their ceiling (the smallest shown count − 1), the
    smallest shown cells (all of that size) are hidden too. tests/dialogue_hub/test_privacy.py
    checks exhaustively on small tables that no hidden cell can be worked out.
    `population` is the number of people the table is about, for the rules above (default: the
    sum of the cells; pass it for a multi-select table, whose cells add up to more).

    `also_hide` names cells to hide whatever their count (another table shows the same number
    and hides it); complementary suppression then treats them like any hidden cell.
    """
    items = list(counts.items()) if isinstance(counts, dict) else list(counts)
    total = sum(count for _key, count in items)
    forced = set(also_hide)
    hidden = {index for index, (key, count) in enumerate(items) if is_small(count) or key in forced}
    if identifiable:
        hidden, total_hidden = _identifiable(items, hidden, total, population)
    else:
        hidden, total_hidden = _usual(items, hidden, additive)
    cells = [
        Cell(key=key, count=count, suppressed=index in hidden)
        for index, (key, count) in enumerate(items)
    ]
    return SuppressedTable(cells=cells, total=total, total_suppressed=total_hidden)


def _usual(items, hidden, additive):
    """Primary suppression, then — for a table whose total is shown — complementary suppression
    until no hidden cell can be worked out by someone who knows this rule.

    Such a reader knows each hidden cell is at least 1 (zeros are shown) and smaller than the
    smallest shown non-zero cell (the rule hides the smallest first, and every cell of a count
    it hides: a hidden cell is never as large as a shown one), so at most that cell − 1, and
    learns the sum of the hidden cells from the total. The cells are pinned down when that sum
    allows a single split: one hidden cell, every cell at 1, or every cell at the ceiling
    (9, 9 hidden next to a shown 10: 18 can only be 9 + 9). So hide the next-smallest cells
    until there are at least two, together holding at least 10 people, strictly between those
    extremes; if nothing is left to hide, hide the total. (A total from 1 to 9 is hidden that
    way: every cell of it is small, so hidden, and nothing is left.)
    """
    total_hidden = False
    if additive and hidden:
        while True:
            # Cells forced hidden may be large: keep every hidden cell below every shown one.
            top = max(items[index][1] for index in hidden)
            hidden |= {index for index, (_key, count) in enumerate(items) if 0 < count <= top}
            shown = [
                count
                for index, (_key, count) in enumerate(items)
                if index not in hidden and count > 0
            ]
            if not shown:
                total_hidden = True
                break
            in_hidden = sum(items[index][1] for index in hidden)
            smallest = min(shown)
            ceiling = smallest - 1  # what a reader knows each hidden cell is at most
            if (
                len(hidden) > 1
                and in_hidden >= THRESHOLD
                and len(hidden) < in_hidden < len(hidden) * ceiling
            ):
                break
            hidden |= {index for index, (_key, count) in enumerate(items) if count == smallest}
    if total_hidden:
        hidden |= {index for index, (_key, count) in enumerate(items) if count > 0}
    return hidden, total_hidden


def _identifiable(items, hidden, total, population):
    people = total if population is None else population
    if people < THRESHOLD or total < THRESHOLD:
        return set(range(len(items))), True
    hidden |= {
        index
        for index, (_key, count) in enumerate(items)
        if count == 0 or people - count < THRESHOLD
    }
    while hidden:
        # A cell hidden through `also_hide` may be large: hide everything up to it, so that
        # every hidden cell stays below every shown one (the reader's bound below).
        top = max(items[index][1] for index in hidden)
        hidden |= {index for index, (_key, count) in enumerate(items) if count <= top}
        shown = [count for index, (_key, count) in enumerate(items) if index not in hidden]
        if not shown:
            # Everything is hidden; a single cell is the total, so hide that too.
            return hidden, len(items) == 1
        in_hidden = sum(items[index][1] for index in hidden)
        # Every hidden cell is below every shown one, so a reader knows each lies in
        # 0..ceiling: the cells can only be pinned down when they are all 0 or all at the ceiling.
        ceiling = min(shown) - 1
        if len(hidden) > 1 and THRESHOLD <= in_hidden < len(hidden) * ceiling:
            break
        smallest = min(shown)
        hidden |= {index for index, (_key, count) in enumerate(items) if count == smallest}
    return hidden, False
