"""What every API view shares: token authentication, the per-client and per-token limits,
JSON errors, pages, and the one permission table of the pages (initiatives/permissions.py).

- `ApiView`: needs a token (401 without one). Its `initiative` views (`InitiativeApiView`)
  load the initiative of the URL's slug among the token owner's: 404 for an initiative they
  have no role in (its existence is not confirmed), 403 for a role without `permission`.
- `OpenDataView`: anonymous, published initiatives only (404 otherwise), CORS allowed.

Query parameters are checked before anything is read: a parameter the endpoint does not know
answers 400 naming it, as does a malformed value (django-filter's form errors).
"""

import zoneinfo

from django.apps import apps
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions
from rest_framework.generics import GenericAPIView
from rest_framework.mixins import ListModelMixin
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from initiatives import cache as initiative_cache
from initiatives.permissions import require
from initiatives.selectors import initiative_for_user, public_initiative

from ..authentication import ApiTokenAuthentication
from ..pagination import Pagination
from ..renderers import CSVRenderer
from ..throttling import ClientThrottle, TokenThrottle

PAGE_PARAMETERS = frozenset({"page", "page_size"})


def check_parameters(request, view) -> None:
    known = set(view.known_parameters())
    unknown = sorted(name for name in request.query_params if name not in known)
    if unknown:
        allowed = ", ".join(sorted(known)) or _("none")
        raise exceptions.ValidationError(
            {
                name: [
                    _("Unknown parameter. This endpoint takes: %(allowed)s.") % {"allowed": allowed}
                ]
                for name in unknown
            }
        )


class JsonAnswers:
    """Errors (a 405 included) and OPTIONS answer in JSON whatever the view renders otherwise:
    the CSV twins, the OpenAPI schema (YAML) and the docs page (HTML) would render an error
    body in their own format, or fail (a 500) rendering OPTIONS' description of the view."""

    def get_renderers(self):
        if self.request.method == "OPTIONS":
            return [JSONRenderer()]
        return super().get_renderers()

    def handle_exception(self, exc):
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)


class ApiView(JsonAnswers, GenericAPIView):
    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [IsAuthenticated]
    throttle_classes = [TokenThrottle]
    renderer_classes = [JSONRenderer]
    pagination_class = Pagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = None
    needs_token = True  # for the schema's error answers (api/schema.py)
    csv_columns: list[str] = []

    schema_model = "initiatives.Initiative"  # what the URL's slug names, for the schema

    def get_queryset(self):
        """Only for the schema (drf-spectacular reads path parameters' types from a model):
        the views read through the apps' selectors."""
        return apps.get_model(self.schema_model)._default_manager.none()

    def known_parameters(self):
        names = set()
        if self.filterset_class is not None:
            names |= set(self.filterset_class.base_filters)
        if self.pagination_class is not None and getattr(self, "paginated", True):
            names |= PAGE_PARAMETERS
        return names

    def initial(self, request, *args, **kwargs):
        # Per client first, before the token is even read: a stream of wrong tokens is limited.
        client = ClientThrottle()
        if not client.allow_request(request, self):
            self.throttled(request, client.wait())
        super().initial(request, *args, **kwargs)
        check_parameters(request, self)
        self.load(request, *args, **kwargs)

    def load(self, request, *args, **kwargs):
        """Load what the URL names and check access (after authentication)."""

    def listed(self, queryset, serializer_class=None, **context):
        """A page of `queryset`, serialized, as the paginated answer."""
        queryset = self.filter_queryset(queryset)
        page = self.paginate_queryset(queryset)
        rows = self.prepare(page)
        serializer = (serializer_class or self.get_serializer_class())(
            rows, many=True, context={**self.get_serializer_context(), **context}
        )
        return self.get_paginated_response(serializer.data)

    def prepare(self, rows: list) -> list:
        """Attach what a page's rows show beyond their own columns (one query per page)."""
        return rows


class ListView(ListModelMixin):
    """A paginated list of what the selector `records` returns (called with `records_kwargs()`),
    filtered by `filterset_class`. For the schema (drf-spectacular, which reads the filters'
    types from the model): an empty queryset of `schema_model` ("app_label.Model")."""

    records = None
    # True for lists of the initiative's shared records (the same for every role allowed to
    # read them, no personal data, nothing that moves with the hour): each page answered is
    # kept per initiative version (initiatives/cache.py), so a change through any service
    # shows at once, and by the address asked (filters, page, host), the language and the
    # initiative's today (what `overdue` is counted against).
    kept = False

    def records_kwargs(self) -> dict:
        return {"initiative": self.initiative}

    def get_queryset(self):
        selector = type(self).records
        if getattr(self, "swagger_fake_view", False):
            return apps.get_model(self.schema_model)._default_manager.none()
        return selector(**self.records_kwargs())

    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)

    def list(self, request, *args, **kwargs):
        if not self.kept:
            return self.listed(self.get_queryset())
        data = initiative_cache.cached(
            self.initiative.pk,
            f"api-list:{type(self).__name__}",
            lambda: self.listed(self.get_queryset()).data,
            vary=[get_language(), request.build_absolute_uri(), timezone.localdate()],
            # Goals, milestones, updates and outcomes: nothing a registration changes.
            registrations=initiative_cache.UNAFFECTED,
        )
        return Response(data)


class InitiativeApiView(ApiView):
    """Times (a meeting's start, an update's) are written in the initiative's time zone, with
    its offset, as its pages show them; a moment given without an offset in a filter is read
    in it too."""

    permission = "initiative.view"

    def load(self, request, *args, **kwargs):
        self.initiative = initiative_for_user(user=request.user, slug=kwargs["slug"])
        require(self.initiative.roles, self.permission)
        self.check_access()
        timezone.activate(zoneinfo.ZoneInfo(self.initiative.timezone))

    def finalize_response(self, request, response, *args, **kwargs):
        timezone.deactivate()  # the thread's next request starts in the default zone again
        return super().finalize_response(request, response, *args, **kwargs)

    def check_access(self):
        """A view's rule beyond `permission` (raise PermissionDenied)."""


class OpenDataView(ApiView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []
    needs_token = False

    def load(self, request, *args, **kwargs):
        if "slug" in kwargs:
            self.initiative = public_initiative(slug=kwargs["slug"])

    def get_renderers(self):
        if self.kwargs.get("format") == "csv" and self.request.method != "OPTIONS":
            return [CSVRenderer()]
        return [JSONRenderer()]
