"""The change report (aggregates only, figures about fewer than 10 people hidden for every
viewer) and its CSV export."""

from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from dialogue_hub.downloads import csv_download
from initiatives.views import InitiativeAccessMixin

from ..charts import mean_chart
from ..selectors.change import change_report, csv_rows
from ..services.change import change_export_record


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
        return csv_download(filename, rows=csv_rows(report))
