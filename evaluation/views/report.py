"""The evaluation report ("taking stock"): the page (printable), its PDF, sharing its public
version, and that public version. The figures come from evaluation/selectors/report.py."""

import zoneinfo

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _lazy
from django.views import View
from django.views.generic import TemplateView

from initiatives.permissions import has_perm
from initiatives.views import InitiativeAccessMixin, InitiativeActionView

from ..pdf import PdfUnavailable, render_pdf
from ..selectors import report as selectors
from ..services import report as services


class ReportView(InitiativeAccessMixin, TemplateView):
    """The report for the team (aggregates only, small counts hidden), printable as it is."""

    permission = "evaluation.view"
    template_name = "evaluation/report/report.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        initiative = self.initiative
        sharing = selectors.report_sharing(initiative)
        context.update(
            report=selectors.evaluation_report(initiative),
            sharing=sharing,
            is_shared=bool(sharing and sharing.is_shared),
            can_publish=has_perm(initiative.roles, "evaluation.publish"),
        )
        return context


class ReportPdfView(InitiativeAccessMixin, View):
    """The same report as a PDF (logged). Where WeasyPrint cannot run, a page says so and
    points to the printable page."""

    permission = "evaluation.view"

    def get(self, request, *args, **kwargs):
        initiative = self.initiative
        report = selectors.evaluation_report(initiative)
        html = render_to_string(
            "evaluation/report/pdf.html",
            {"initiative": initiative, "report": report},
            request=request,
        )
        try:
            pdf = render_pdf(html, base_url=request.build_absolute_uri("/"))
        except PdfUnavailable:
            return HttpResponse(
                render_to_string(
                    "evaluation/report/pdf_unavailable.html",
                    {
                        "initiative": initiative,
                        "report_url": reverse("evaluation:report", args=[initiative.slug]),
                    },
                    request=request,
                )
            )
        services.report_export_record(user=request.user, initiative=initiative)
        filename = f"evaluation-{initiative.slug}-{timezone.localdate():%Y-%m-%d}.pdf"
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "no-store"
        return response


class ReportShareView(InitiativeActionView):
    """Share the public version (shared=1) or take it down (shared=0)."""

    permission = "evaluation.publish"

    @property
    def sharing(self) -> bool:
        return self.request.POST.get("shared") == "1"

    def perform(self):
        return services.report_set_shared(
            user=self.request.user, initiative=self.initiative, shared=self.sharing
        )

    def get_success_message(self):
        if self.sharing:
            return _lazy("The public version of the evaluation report is shared.")
        return _lazy("The public version of the evaluation report is taken down.")

    def get_success_url(self):
        return reverse("evaluation:report", args=[self.initiative.slug])


@method_decorator(login_not_required, name="dispatch")
class PublicReportView(TemplateView):
    """404 unless the initiative is published and its report shared; only what the public
    results page allows (suppressed aggregates, what the coalition opted in)."""

    template_name = "evaluation/report/public.html"

    def get(self, request, *args, **kwargs):
        initiative = selectors.shared_report_initiative(slug=kwargs["slug"])
        with timezone.override(zoneinfo.ZoneInfo(initiative.timezone)):
            response = self.render_to_response(
                self.get_context_data(
                    initiative=initiative,
                    report=selectors.evaluation_report(initiative, public=True),
                )
            )
            response.render()
        return response
