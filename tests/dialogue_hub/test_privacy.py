import dataclasses
import itertools

import pytest

from dialogue_hub.privacy import shown_count, suppress


def shown(table):
    return {cell.key: cell.value for cell in table.cells}


def test_counts_from_1_to_9_are_hidden_and_zero_and_ten_are_shown():
    table = suppress({"a": 0, "b": 1, "c": 9, "d": 10, "e": 25})
    assert shown(table) == {"a": 0, "b": None, "c": None, "d": 10, "e": 25}
    assert table.total_value == 45


def test_a_single_hidden_cell_gets_a_complementary_one():
    table = suppress({"a": 3, "b": 40, "c": 12})
    assert shown(table) == {"a": None, "b": 40, "c": None}


def test_total_is_hidden_when_nothing_else_can_be():
    table = suppress({"a": 4, "b": 0})
    assert shown(table) == {"a": None, "b": 0}
    assert table.total_value is None


def test_small_total_hides_everything():
    table = suppress({"a": 5, "b": 3, "c": 0})
    assert table.total_value is None
    assert shown(table) == {"a": None, "b": None, "c": 0}


def test_non_additive_tables_get_primary_suppression_only():
    table = suppress({"a": 3, "b": 40, "c": 12}, additive=False)
    assert shown(table) == {"a": None, "b": 40, "c": 12}


def test_no_hidden_cell_can_be_recovered_from_the_total():
    # Every table of three cells drawn from these counts (343 tables), in one test: a failure
    # names each table that broke the rule.
    broken = []
    for counts in itertools.product([0, 1, 5, 9, 10, 11, 30], repeat=3):
        table = suppress(dict(zip("abc", counts, strict=True)))
        if any(cell.value is not None and 0 < cell.value < 10 for cell in table.cells):
            broken.append((counts, "a small count is shown"))
        hidden = [cell for cell in table.cells if cell.suppressed]
        # Never exactly one hidden cell next to a shown total (it would equal total - shown).
        if table.total_value is not None and len(hidden) == 1:
            broken.append((counts, "one hidden cell next to a shown total"))
    assert not broken, broken[:20]


# --- identifiable populations (a team whose members readers know by name) ----------------------


def test_also_hide_hides_a_cell_and_gets_it_a_complementary_one():
    table = suppress({"a": 30, "b": 40, "c": 12}, also_hide={"c"})
    assert shown(table) == {"a": None, "b": 40, "c": None}
    assert table.total_value == 82


def test_identifiable_also_hide_keeps_hidden_cells_below_shown_ones():
    table = suppress({"a": 30, "b": 12, "c": 15, "d": 40}, identifiable=True, also_hide={"a"})
    assert shown(table) == {"a": None, "b": None, "c": None, "d": 40}


def test_identifiable_under_ten_hides_every_cell_zeros_and_total():
    table = suppress({"black": 0, "white": 6, "asian": 3}, identifiable=True)
    assert shown(table) == {"black": None, "white": None, "asian": None}
    assert table.total_value is None


def test_identifiable_hides_zeros_and_cells_close_to_the_total():
    # 33 people: 20 white is 13 short of the total (shown); 0 Black is hidden.
    table = suppress({"white": 20, "black": 0, "asian": 13}, identifiable=True)
    assert shown(table)["black"] is None
    # The hidden cells then hold 0 people, which "33 − 20 − 13" gives back: one more is hidden.
    assert sum(1 for cell in table.cells if cell.suppressed) >= 2
    assert shown(table)["asian"] is None
    assert table.total_value == 33


def test_identifiable_hides_all_but_a_few():
    # "All but 3 are white" names the 3: 27 of 30 is hidden, and with it everything else.
    table = suppress({"white": 27, "black": 3}, identifiable=True)
    assert shown(table) == {"white": None, "black": None}
    # Everyone in one group is hidden too (its complement is zero).
    table = suppress({"white": 12, "black": 0}, identifiable=True)
    assert shown(table) == {"white": None, "black": None}


def test_identifiable_shows_large_cells_far_from_the_total():
    table = suppress({"a": 12, "b": 15, "c": 11}, identifiable=True)
    assert shown(table) == {"a": 12, "b": 15, "c": 11}
    assert table.total_value == 38


def test_identifiable_population_counts_people_not_answers():
    # Multi-select: 20 people, 18 of whom ticked "white" among other answers.
    table = suppress(
        {"white": 18, "black": 11, "none": 2}, identifiable=True, population=20, additive=False
    )
    assert shown(table)["white"] is None
    table = suppress({"white": 5, "black": 6}, identifiable=True, population=9)
    assert table.total_value is None
    assert shown(table) == {"white": None, "black": None}


def _compositions(cells, most):
    """Every vector of `cells` non-negative counts adding up to at most `most`."""
    for counts in itertools.product(range(most + 1), repeat=cells):
        if sum(counts) <= most:
            yield counts


@pytest.mark.parametrize(("cells", "most"), [(1, 40), (2, 80), (3, 60), (4, 34), (5, 24)])
def test_identifiable_no_hidden_cell_is_recoverable_by_someone_who_knows_the_rule(cells, most):
    """Exhaustive over a small grid: group every table by what it publishes; a hidden cell is
    recoverable when every table publishing the same thing has the same value there.

    Every table with a shown total T ≤ `most` is in the grid (and so is every table with a
    hidden total, which has fewer than 10 people), so each group holds all the tables a reader
    could not tell apart."""
    keys = [f"k{i}" for i in range(cells)]
    published = {}
    for counts in _compositions(cells, most):
        table = suppress(dict(zip(keys, counts, strict=True)), identifiable=True)
        people = sum(counts)
        if table.total_value is not None:
            assert table.total_value >= 10, counts
        for cell in table.cells:
            if cell.value is not None:
                # Never a small cell, a zero, or a cell with a small complement.
                assert cell.value >= 10, counts
                assert people - cell.value >= 10, counts
        hidden = [cell for cell in table.cells if cell.suppressed]
        if table.total_value is not None and hidden:
            assert len(hidden) >= 2, counts
            assert sum(cell.count for cell in hidden) >= 10, counts
        signature = (tuple(cell.value for cell in table.cells), table.total_value)
        published.setdefault(signature, []).append(counts)
    for (values, _total), tables in published.items():
        for index, value in enumerate(values):
            if value is None:
                possible = {counts[index] for counts in tables}
                assert len(possible) > 1, (values, _total, tables)


def _splits(n_cells, total, low, high):
    """Every way to write `total` as n_cells integers in [low, high]."""
    if n_cells == 0:
        return [()] if total == 0 else []
    result = []
    for first in range(low, min(high, total) + 1):
        for rest in _splits(n_cells - 1, total - first, low, high):
            result.append((first, *rest))
    return result


def _usual_rule_problems(counts, rule=suppress) -> list[str]:
    """What someone who knows the usual rule could work out from the published `counts` table."""
    table = rule(dict(zip("abcd", counts, strict=True)))
    hidden = [cell for cell in table.cells if cell.suppressed]
    if table.total_value is None or not hidden:
        return []
    shown_nonzero = [cell.count for cell in table.cells if not cell.suppressed and cell.count > 0]
    ceiling = min(shown_nonzero) - 1  # every hidden cell is below every shown one
    in_hidden = table.total - sum(cell.count for cell in table.cells if not cell.suppressed)
    if in_hidden < 10:  # the hidden cells together are not a small count either
        return [f"the hidden cells hold {in_hidden}, a small count"]
    options = _splits(len(hidden), in_hidden, 1, ceiling)
    return [
        f"hidden cell {position} can be worked out"
        for position in range(len(hidden))
        if len({option[position] for option in options}) <= 1
    ]


def test_usual_rule_hidden_cells_cannot_be_worked_out_by_someone_who_knows_the_rule():
    # Every table of four cells drawn from these counts with ten people or more (about 6,400
    # tables), in one test: a failure names each table and what could be worked out from it.
    grid = [0, 1, 2, 5, 9, 10, 12, 20, 40]
    tables = [c for c in itertools.product(grid, repeat=4) if sum(c) >= 10]
    assert len(tables) > 6000
    broken = [(counts, problem) for counts in tables for problem in _usual_rule_problems(counts)]
    assert not broken, broken[:20]


def test_the_usual_rule_check_catches_a_recoverable_cell():
    # The check above can fail: a rule that hides one cell next to a shown total gives it back
    # (75 - 20 - 40 = 15), and the check says so.
    def leaky(counts):
        table = suppress(counts)
        cells = [dataclasses.replace(cell, suppressed=cell.key == "a") for cell in table.cells]
        return dataclasses.replace(table, cells=cells, total_suppressed=False)

    assert _usual_rule_problems((15, 20, 40, 0), rule=leaky) == ["hidden cell 0 can be worked out"]


# --- the informed reader's attack ---------------------------------------------------------------


def _determined(table) -> list[str]:
    """What a reader works out from a published additive table who knows the total and that
    every hidden cell lies between 1 and the smallest shown non-zero cell − 1: each hidden
    cell's feasible range, from the sum of the hidden cells (total − shown) and those bounds,
    in closed form. A range of one value names the cell's count."""
    hidden = [cell for cell in table.cells if cell.suppressed]
    if table.total_value is None or not hidden:
        return []
    shown = [cell.count for cell in table.cells if not cell.suppressed and cell.count > 0]
    in_hidden = table.total - sum(cell.count for cell in table.cells if not cell.suppressed)
    k = len(hidden)
    ceiling = min(shown) - 1 if shown else in_hidden
    low = max(1, in_hidden - (k - 1) * ceiling)
    high = min(ceiling, in_hidden - (k - 1))
    problems = []
    if in_hidden < 10:
        problems.append(f"the hidden cells hold {in_hidden}, a small count")
    if low >= high:
        problems.append(f"each of the {k} hidden cells is {low}")
    return problems


def _tables():
    """Additive tables of 2 to 12 cells: every multiset of counts from a grid of the
    interesting values for up to 6 cells, and for 7 to 12 cells those made mostly of 1s (and
    of 9s next to a 10) with a few other counts."""
    grid = (0, 1, 2, 3, 5, 8, 9, 10, 11, 12, 19, 20, 30)
    for cells in range(2, 7):
        yield from itertools.combinations_with_replacement(grid, cells)
    for cells in range(7, 13):
        for many in (1, 9):
            for repeat in range(cells - 3, cells + 1):
                for rest in itertools.combinations_with_replacement(grid, cells - repeat):
                    yield (many,) * repeat + rest


def test_no_hidden_cell_is_determined_by_a_reader_who_knows_the_total_and_the_bounds():
    # About 27,000 tables in one test: a failure names each table and what it gives away.
    tables = [counts for counts in _tables() if sum(counts) >= 10]
    assert len(tables) > 20_000
    broken = []
    for counts in tables:
        table = suppress({f"c{index}": count for index, count in enumerate(counts)})
        broken += [(counts, problem) for problem in _determined(table)]
    assert not broken, broken[:20]


def test_nine_nine_next_to_ten_is_not_given_away():
    """The leak found by planting bugs: 9 and 9 hidden next to a shown 10 and 30, total 58. The
    hidden cells are below 10 and add up to 18, so both are 9. The 10 must go too."""
    table = suppress({"a": 9, "b": 9, "c": 10, "d": 30})
    assert table.total_value == 58
    assert [cell.value for cell in table.cells] == [None, None, None, 30]
    assert not _determined(table)


def test_ten_hidden_ones_are_not_given_away():
    table = suppress({f"c{index}": 1 for index in range(10)} | {"big": 30})
    assert not _determined(table)
    assert table.total_value is None  # nothing else could be hidden: the total goes
    assert all(cell.suppressed for cell in table.cells)


def test_also_hide_hides_every_cell_as_large_as_the_forced_one():
    table = suppress({"forced": 30, "same": 30, "larger": 50, "largest": 80}, also_hide=["forced"])
    assert table.get("forced").suppressed
    assert table.get("same").suppressed  # else every hidden cell would not be below it
    assert not table.get("largest").suppressed
    assert not _determined(table)


def test_the_attack_catches_the_old_rule():
    """The check bites: the rule as it was (the smallest shown cell itself as the ceiling)
    publishes 9, 9, 10, 30 with only the 9s hidden, and the attack names both."""

    def old_rule(counts):
        table = suppress(counts)
        cells = [dataclasses.replace(cell, suppressed=cell.count == 9) for cell in table.cells]
        return dataclasses.replace(table, cells=cells, total_suppressed=False)

    problems = _determined(old_rule({"a": 9, "b": 9, "c": 10, "d": 30}))
    assert problems == ["each of the 2 hidden cells is 9"]


# --- what mutation testing found untested (make mutation) ---------------------------------------


def test_a_single_count_is_shown_from_ten_and_at_zero():
    assert [shown_count(n) for n in (0, 1, 9, 10, 11)] == [0, None, None, 10, 11]


def test_a_list_of_pairs_is_suppressed_like_a_dict():
    pairs = [("a", 3), ("b", 40), ("c", 12)]
    assert [(c.key, c.value) for c in suppress(pairs).cells] == [
        ("a", None),
        ("b", 40),
        ("c", None),
    ]
    assert suppress(iter(pairs)).total_value == 55


def test_a_multi_select_table_keeps_its_total_even_when_small():
    # Primary suppression only: the cells do not add up to a published total.
    table = suppress({"a": 3, "b": 4}, additive=False)
    assert table.total_suppressed is False
    assert shown(table) == {"a": None, "b": None}


def test_also_hide_hides_a_zero_too_even_when_the_total_goes():
    table = suppress({"forced": 0, "b": 20, "c": 30}, also_hide={"forced"})
    assert shown(table) == {"forced": None, "b": None, "c": 30}
    table = suppress({"forced": 0, "b": 4}, also_hide={"forced"})
    assert table.total_value is None
    assert shown(table) == {"forced": None, "b": None}


@pytest.mark.parametrize("identifiable", [False, True], ids=["usual", "identifiable"])
def test_every_hidden_cell_stays_below_every_shown_one_whatever_is_forced(identifiable):
    # Both rules' reader assumes it; a cell as large as a forced-hidden one must go with it.
    broken = []
    grid = (0, 4, 12, 20, 25, 28, 30, 100)
    for counts in itertools.product(grid, repeat=4):
        cells = {f"c{index}": count for index, count in enumerate(counts)} | {"forced": 30}
        table = suppress(cells, identifiable=identifiable, also_hide={"forced"})
        hidden = [c.count for c in table.cells if c.suppressed and c.count]
        shown_counts = [c.count for c in table.cells if not c.suppressed and c.count]
        assert table.get("forced").suppressed
        if hidden and shown_counts and max(hidden) >= min(shown_counts):
            broken.append(counts)
    assert not broken, broken[:10]


def test_only_as_much_is_hidden_as_the_reader_needs():
    # 9 + 9 = 18 hidden next to a shown 11: each could be 8..10, so nothing more goes.
    assert shown(suppress({"a": 9, "b": 9, "c": 11, "d": 30})) == {
        "a": None,
        "b": None,
        "c": 11,
        "d": 30,
    }
    team = {"a": 9, "b": 9, "c": 11, "d": 40}
    assert shown(suppress(team, identifiable=True)) == {"a": None, "b": None, "c": 11, "d": 40}
    # Two hidden cells holding exactly ten people are enough.
    team = {"a": 4, "b": 6, "c": 20, "d": 30}
    assert shown(suppress(team, identifiable=True)) == {"a": None, "b": None, "c": 20, "d": 30}


def test_a_team_of_exactly_ten_shows_its_size():
    table = suppress({"a": 4, "b": 6}, identifiable=True)
    assert table.total_value == 10
    assert shown(table) == {"a": None, "b": None}


def test_a_team_cell_ten_away_from_the_total_is_shown():
    assert shown(suppress({"a": 30, "b": 10}, identifiable=True)) == {"a": 30, "b": 10}


def test_a_forced_team_cell_is_never_hidden_alone():
    table = suppress({"a": 12, "b": 40, "c": 50}, identifiable=True, also_hide={"a"})
    assert sum(cell.suppressed for cell in table.cells) >= 2
