"""Small-count suppression for every aggregate shown to anyone but the data steward.

Rule: a count from 1 to 9 is never shown (primary suppression). Where the cells of a table
add up to a total that is shown, hiding a single cell is not enough (total minus the others
gives it back), so the smallest other non-zero cell is hidden too (complementary
suppression); when nothing else can be hidden, the total is hidden as well. A zero is shown:
it reveals no one.

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


def suppress(counts, *, additive: bool = True) -> SuppressedTable:
    """Suppress a table of counts given as [(key, count), …] or a dict.

    `additive` says the cells partition the total (each person in exactly one cell), so the
    total is shown and complementary suppression is needed. For multi-select questions
    (a person in several cells) pass additive=False: the cells do not add up to anything
    shown, and only primary suppression applies.
    """
    items = list(counts.items()) if isinstance(counts, dict) else list(counts)
    total = sum(count for _key, count in items)
    hidden = {index for index, (_key, count) in enumerate(items) if is_small(count)}
    total_hidden = is_small(total) if additive else False
    if additive and len(hidden) == 1 and not total_hidden:
        candidates = sorted(
            (count, index)
            for index, (_key, count) in enumerate(items)
            if count > 0 and index not in hidden
        )
        if candidates:
            hidden.add(candidates[0][1])
        else:
            total_hidden = True
    if total_hidden:
        hidden |= {index for index, (_key, count) in enumerate(items) if count > 0}
    cells = [
        Cell(key=key, count=count, suppressed=index in hidden)
        for index, (key, count) in enumerate(items)
    ]
    return SuppressedTable(cells=cells, total=total, total_suppressed=total_hidden)
