"""The operators' pages: /metrics (Prometheus) and /ops/status/ (superusers). GET only: any
other method is 405 for those who may read the page and 404 for everyone else, so neither
address says anything about what is there to someone who may not read it."""

from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from .metrics import metrics_response, scrape_allowed
from .status import status_read


@method_decorator([login_not_required, never_cache], name="dispatch")
class MetricsView(View):
    """Reached only when MetricsEndpointMiddleware did not answer (it answers an allowed GET
    before the host check): the site's 404 for anyone not allowed."""

    def dispatch(self, request, *args, **kwargs):
        if not scrape_allowed(request):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return metrics_response()


@method_decorator(never_cache, name="dispatch")
class StatusView(View):
    """Superusers only; anyone else signed in gets the 404 of an unknown address (signed-out
    visitors are sent to sign in, as everywhere)."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_superuser:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return render(request, "ops/status.html", {"status": status_read()})
