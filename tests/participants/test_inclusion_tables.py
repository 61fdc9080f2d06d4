"""{% inclusion_table %} (participants/templatetags/inclusion_tables.py): the inclusion
dashboard's suppressed tables, written as strings. What it writes from the data is escaped,
and the cells carry what the dashboard's tests and tools read (data-count, data-total)."""

from decimal import Decimal

from django.template import engines
from django.utils import translation

from participants.selectors.inclusion import Row, Table


def render(table, **options) -> str:
    template = engines["django"].from_string(
        "{% load inclusion_tables %}"
        "{% inclusion_table table benchmarks=benchmarks compare=compare unit=unit %}"
    )
    context = {"benchmarks": False, "compare": False, "unit": "", **options, "table": table}
    return template.render(context)


def hostile_table() -> Table:
    return Table(
        key='k"><script>',
        label="<b>Label</b>",
        additive=True,
        rows=[
            Row(
                key="a",
                label="<img src=x onerror=alert(1)>",
                value=1234,
                suppressed=False,
                share=Decimal("61.73"),
                target_label="<i>20%</i>",
                gap=3,
                community_share=Decimal("40"),
                source="Census & <survey>",
                source_year=2020,
                ratio=Decimal("1.5432"),
                compare_share=Decimal("12.5"),
            ),
            Row(key="b", label="Hidden group", value=None, suppressed=True),
        ],
        total=1240,
        note="<u>note</u>",
        index=Decimal("0.81"),
    )


def test_inclusion_table_escapes_what_it_writes():
    html = render(hostile_table(), benchmarks=True, compare=True, unit="<em>People</em>")
    for raw in ("<script>", "<img", "<b>Label", "<i>20%", "<survey>", "<u>note", "<em>People"):
        assert raw not in html
    for escaped in (
        "&lt;img src=x onerror=alert(1)&gt;",
        "&lt;b&gt;Label&lt;/b&gt;",
        "&lt;i&gt;20%&lt;/i&gt;",
        "Census &amp; &lt;survey&gt;",
        "&lt;u&gt;note&lt;/u&gt;",
        "&lt;em&gt;People&lt;/em&gt;",
        'id="table-k&quot;&gt;&lt;script&gt;"',
    ):
        assert escaped in html


def test_inclusion_table_cells_say_what_is_shown_and_what_is_hidden():
    with translation.override("en"):
        html = render(hostile_table(), benchmarks=True)
    assert 'data-count="1234"' in html
    assert 'data-count="suppressed"' in html
    assert 'data-total="1240"' in html
    assert "61.7%" in html
    assert "3 more needed" in html
    assert "1.54" in html  # the ratio, to two places
    assert "Representation index for this dimension: 0.81" in html
    assert '<div class="sector-bar w-60"></div>' in html
    assert 'colspan="5"' in html  # benchmarks without the comparison column
    assert "Among participants" not in html


def test_inclusion_table_speaks_spanish():
    with translation.override("es"):
        html = render(hostile_table(), benchmarks=True, compare=True)
    assert "61,7%" in html  # decimals written the Spanish way
    assert "oculto" in html.lower()
    assert 'colspan="6"' in html
