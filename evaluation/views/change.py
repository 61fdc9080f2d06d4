"""The change report (aggregates only, figures about fewer than 10 people hidden for every
viewer) and its CSV export."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from dialogue_hub.downloads import csv_download
from dialogue_hub.text import csv_cell
from initiatives.views import InitiativeAccessMixin

from ..charts import mean_chart
from ..selectors.change import ChangeReport, change_report
from ..services.change import change_export_record

SUPPRESSED = "suppressed"


def _number(value, places=4):
    return "" if value is None else f"{value:.{places}f}"


def _count(value, hidden):
    return SUPPRESSED if hidden else ("" if value is None else value)


def change_csv_rows(report: ChangeReport) -> list[list]:
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


class ChangeReportView(InitiativeAccessMixin, TemplateView):
    permission = "evaluation.view"
    template_name = "evaluation/change/report.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report = change_report(self.initiative)
        labels = [report.wave_label(kind) for kind in report.waves]
        for measure in report.scales:
            measure.chart = mean_chart(measure, report.waves, labels)
        context["report"] = report
        return context


class ChangeExportView(InitiativeAccessMixin, View):
    """The change report as CSV, suppressed the same way."""

    permission = "evaluation.view"

    def get(self, request, *args, **kwargs):
        report = change_report(self.initiative)
        change_export_record(user=request.user, initiative=self.initiative)
        filename = f"change-{self.initiative.slug}-{timezone.localdate():%Y-%m-%d}.csv"
        return csv_download(filename, rows=change_csv_rows(report))
