"""The project's URLs plus `bench/ok`, a trivial view: the baseline the pages are compared to."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import include, path


@login_not_required
def ok(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/ok", ok, name="bench_ok"),
    path("", include("dialogue_hub.urls")),
]
