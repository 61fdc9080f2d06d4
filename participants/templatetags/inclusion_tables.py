"""`{% inclusion_table %}`: one suppressed table of the inclusion dashboard, written in Python.

The dashboard holds about twenty of these tables (the dimensions, the decision bodies, where
sign-ups come from), some 2,500 cells. Drawn by a template loop they were about half the time
of a cold dashboard, which is computed again whenever its figures change during a recruitment
drive; built here with `format_html` they cost a few milliseconds. The markup is the same as
the template's was: count cells carry data-count, the total data-total ("suppressed" when
hidden), the table's id (table-KEY) is what its chart's aria-describedby points at.
"""

from django import template
from django.template.defaultfilters import floatformat
from django.utils.formats import localize
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()

NONE = mark_safe('<span class="text-secondary">—</span>')


def _percent(value) -> str:
    return "—" if value is None else f"{floatformat(value, 1)}%"


def _head(*, unit, benchmarks: bool, compare: bool):
    cells = [
        format_html('<th scope="col">{}</th>', _("Group")),
        format_html('<th scope="col" class="text-end">{}</th>', unit or _("Participants")),
        format_html('<th scope="col" class="text-end">{}</th>', _("Share")),
        format_html(
            '<th scope="col" class="w-25 d-none d-sm-table-cell">'
            '<span class="visually-hidden">{}</span></th>',
            _("Bar"),
        ),
    ]
    if compare:
        cells.append(
            format_html('<th scope="col" class="text-end">{}</th>', _("Among participants"))
        )
    if benchmarks:
        cells += [
            format_html('<th scope="col">{}</th>', _("Target")),
            format_html('<th scope="col" class="text-end">{}</th>', _("Community")),
            format_html(
                '<th scope="col" class="text-end"><abbr title="{}">{}</abbr></th>',
                _(
                    "Share of participants divided by share of the community: 1.00 means the "
                    "group is represented in proportion"
                ),
                _("Ratio"),
            ),
        ]
    return mark_safe("".join(cells))  # noqa: S308 (pieces from format_html)


def _target_cell(row) -> str:
    if not row.has_target:
        return f"<td>{NONE}</td>"
    badge = ""
    if row.gap == 0:
        badge = f' <span class="badge text-bg-success">{escape(_("reached"))}</span>'
    elif row.gap:
        needed = ngettext("%(gap)s more needed", "%(gap)s more needed", row.gap) % {
            "gap": localize(row.gap)
        }
        badge = f' <span class="badge text-bg-warning">{escape(needed)}</span>'
    return f"<td>{escape(row.target_label)}{badge}</td>"


def _community_cell(row) -> str:
    if row.community_share is None:
        return f'<td class="text-end">{NONE}</td>'
    source = ""
    if row.source or row.source_year:
        year = "" if row.source_year is None else localize(row.source_year)
        comma = ", " if row.source and row.source_year else ""
        source = (
            f'<br><span class="text-secondary">{escape(row.source)}{comma}{escape(year)}</span>'
        )
    return f'<td class="text-end">{escape(_percent(row.community_share))}{source}</td>'


def _row(row, *, benchmarks: bool, compare: bool, hidden: str) -> str:
    """One row's HTML: every value from the data escaped here (f-strings, not format_html:
    this runs for every cell of the dashboard)."""
    if row.suppressed:
        figures = (
            f'<td class="text-end" data-count="suppressed"><span class="text-secondary">{hidden}'
            '</span></td><td class="text-end text-secondary">—</td>'
        )
    else:
        value = escape(localize(row.value))
        figures = (
            f'<td class="text-end" data-count="{value}">{value}</td>'
            f'<td class="text-end">{escape(_percent(row.share))}</td>'
        )
    html = (
        f'<tr><th scope="row" class="fw-normal">{escape(row.label)}</th>{figures}'
        '<td class="d-none d-sm-table-cell" aria-hidden="true">'
        f'<div class="sector-bar w-{int(row.bar)}"></div></td>'
    )
    if compare:
        html += f'<td class="text-end">{escape(_percent(row.compare_share))}</td>'
    if benchmarks:
        ratio = row.ratio_display
        ratio = NONE if ratio is None else escape(localize(ratio))
        html += _target_cell(row) + _community_cell(row) + f'<td class="text-end">{ratio}</td>'
    return html + "</tr>"


def _foot(table, *, benchmarks: bool, compare: bool, hidden: str):
    if not table.additive:
        return ""
    if table.total_suppressed:
        total = format_html(
            '<td class="text-end" data-total="suppressed"><span class="text-secondary">{}</span>'
            "</td>",
            hidden,
        )
    else:
        total = format_html(
            '<td class="text-end" data-total="{}">{}</td>',
            localize(table.total),
            localize(table.total),
        )
    span = (6 if compare else 5) if benchmarks else (3 if compare else 2)
    return format_html(
        '<tfoot><tr class="fw-semibold"><th scope="row">{}</th>{}<td colspan="{}"></td></tr>'
        "</tfoot>",
        _("Total"),
        total,
        span,
    )


@register.simple_tag
def inclusion_table(table, *, benchmarks=False, compare=False, unit=""):
    """The table's HTML, with its note and (with benchmarks) its representation index."""
    hidden = escape(_("hidden"))
    body = mark_safe(  # noqa: S308 (every value in it escaped by _row)
        "".join(
            _row(row, benchmarks=benchmarks, compare=compare, hidden=hidden) for row in table.rows
        )
    )
    html = format_html(
        '<div class="table-responsive"><table class="table table-sm align-middle small mb-1 '
        'bg-white" id="table-{}" data-table="{}" data-additive="{}">'
        '<caption class="visually-hidden">{}</caption><thead><tr>{}</tr></thead>'
        "<tbody>{}</tbody>{}</table></div>",
        table.key,
        table.key,
        "true" if table.additive else "false",
        table.label,
        _head(unit=unit, benchmarks=benchmarks, compare=compare),
        body,
        _foot(table, benchmarks=benchmarks, compare=compare, hidden=hidden),
    )
    if table.note:
        html += format_html('<p class="small text-secondary mb-0">{}</p>', table.note)
    if benchmarks and table.index is not None:
        html += format_html(
            '<p class="small mb-0">{}</p>',
            _("Representation index for this dimension: %(index)s")
            % {"index": localize(table.index)},
        )
    return html
