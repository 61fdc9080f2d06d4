"""The public results page of a published initiative (no sign-in)."""

import zoneinfo

from django.contrib.auth.decorators import login_not_required
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.generic import TemplateView

from initiatives import selectors as initiative_selectors

from .. import public


@method_decorator(login_not_required, name="dispatch")
class PublicResultsView(TemplateView):
    """404 unless the initiative is published; shows only what was opted in."""

    template_name = "actions/public/results.html"

    def get(self, request, *args, **kwargs):
        initiative = initiative_selectors.public_initiative(slug=kwargs["slug"])
        # Meeting dates are shown in the initiative's own time zone.
        with timezone.override(zoneinfo.ZoneInfo(initiative.timezone)):
            response = self.render_to_response(
                self.get_context_data(
                    initiative=initiative, results=public.public_results(initiative=initiative)
                )
            )
            response.render()
        return response
