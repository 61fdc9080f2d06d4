"""`{% inclusion_table %}`: one suppressed table of the inclusion dashboard, written in Python.

The dashboard holds about twenty of these tables (the dimensions, the decision bodies, where
sign-ups come from), some 2,500 cells. Drawn by a template loop they were about half the time
of a cold dashboard, which is computed again whenever its figures change during a recruitment
drive; built here as strings they cost a few milliseconds. Every value from the data (labels,
figures, notes, sources) goes through `escape()` where it is written; the one `mark_safe` is on
the finished table (tests/security/test_template_safety.py lists it as reviewed). The markup is the same as
the template's was: count cells carry data-count, the total data-total ("suppressed" when
hidden), the table's id (table-KEY) is what its chart's aria-describedby points at.
"""

from django import template
from django.template.defaultfilters import floatformat
from django.utils.formats import localize
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()

NONE = '<span class="text-secondary">—</span>'


def _percent(value) -> str:
    return "—" if value is None else f"{floatformat(value, 1)}%"


def _head(*, unit, benchmarks: bool, compare: bool) -> str:
    html = (
        f'<th scope="col">{escape(_("Group"))}</th>'
        f'<th scope="col" class="text-end">{escape(unit or _("Participants"))}</th>'
        f'<th scope="col" class="text-end">{escape(_("Share"))}</th>'
        '<th scope="col" class="w-25 d-none d-sm-table-cell">'
        f'<span class="visually-hidden">{escape(_("Bar"))}</span></th>'
    )
    if compare:
        html += f'<th scope="col" class="text-end">{escape(_("Among participants"))}</th>'
    if benchmarks:
        title = _(
            "Share of participants divided by share of the community: 1.00 means the group "
            "is represented in proportion"
        )
        html += (
            f'<th scope="col">{escape(_("Target"))}</th>'
            f'<th scope="col" class="text-end">{escape(_("Community"))}</th>'
            f'<th scope="col" class="text-end"><abbr title="{escape(title)}">'
            f"{escape(_('Ratio'))}</abbr></th>"
        )
    return html


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


def _foot(table, *, benchmarks: bool, compare: bool, hidden: str) -> str:
    if not table.additive:
        return ""
    if table.total_suppressed:
        total = (
            f'<td class="text-end" data-total="suppressed"><span class="text-secondary">{hidden}'
            "</span></td>"
        )
    else:
        value = escape(localize(table.total))
        total = f'<td class="text-end" data-total="{value}">{value}</td>'
    span = (6 if compare else 5) if benchmarks else (3 if compare else 2)
    return (
        f'<tfoot><tr class="fw-semibold"><th scope="row">{escape(_("Total"))}</th>{total}'
        f'<td colspan="{span}"></td></tr></tfoot>'
    )


@register.simple_tag
def inclusion_table(table, *, benchmarks=False, compare=False, unit=""):
    """The table's HTML, with its note and (with benchmarks) its representation index."""
    hidden = escape(_("hidden"))
    rows = "".join(
        _row(row, benchmarks=benchmarks, compare=compare, hidden=hidden) for row in table.rows
    )
    html = (
        '<div class="table-responsive"><table class="table table-sm align-middle small mb-1 '
        f'bg-white" id="table-{escape(table.key)}" data-table="{escape(table.key)}" '
        f'data-additive="{"true" if table.additive else "false"}">'
        f'<caption class="visually-hidden">{escape(table.label)}</caption>'
        f"<thead><tr>{_head(unit=unit, benchmarks=benchmarks, compare=compare)}</tr></thead>"
        f"<tbody>{rows}</tbody>"
        f"{_foot(table, benchmarks=benchmarks, compare=compare, hidden=hidden)}</table></div>"
    )
    if table.note:
        html += f'<p class="small text-secondary mb-0">{escape(table.note)}</p>'
    if benchmarks and table.index is not None:
        index = _("Representation index for this dimension: %(index)s") % {
            "index": localize(table.index)
        }
        html += f'<p class="small mb-0">{escape(index)}</p>'
    return mark_safe(html)  # noqa: S308 — every value in it went through escape() above
