import itertools

import pytest

from dialogue_hub.privacy import suppress


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


@pytest.mark.parametrize("counts", list(itertools.product([0, 1, 5, 9, 10, 11, 30], repeat=3)))
def test_no_hidden_cell_can_be_recovered_from_the_total(counts):
    table = suppress(dict(zip("abc", counts, strict=True)))
    for cell in table.cells:
        assert cell.value is None or not (0 < cell.value < 10)
    if table.total_value is not None:
        hidden = [cell for cell in table.cells if cell.suppressed]
        # Never exactly one hidden cell next to a shown total (it would equal total - shown).
        assert len(hidden) != 1
