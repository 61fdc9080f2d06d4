"""/metrics answered early for an allowed scraper (dialogue_hub/ops/metrics.py).

Prometheus scrapes each web replica by its address (`10.0.3.7:8000`) and cannot send another
Host header, and that address is no host the site answers to (DJANGO_ALLOWED_HOSTS): through
the whole middleware stack the scrape would be refused with a 400. So, placed right after
SecurityMiddleware, this answers an allowed GET of /metrics itself: without the host check,
sessions or a user, none of which the answer depends on (it names no host and holds no link).
Any other request of /metrics (not allowed, another method, or with a query string, which a
scrape never has: it then meets the stack's checks, control characters included) goes on
through the stack to the `metrics` view, which answers as for any other address.
"""

from .metrics import metrics_response, scrape_allowed

METRICS_PATH = "/metrics"


class MetricsEndpointMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.path_info == METRICS_PATH
            and request.method in ("GET", "HEAD")
            and not request.META.get("QUERY_STRING")
            and scrape_allowed(request)
        ):
            return metrics_response()
        return self.get_response(request)
