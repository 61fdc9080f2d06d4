"""Page-number pagination: `?page=2&page_size=100`. A malformed or out-of-range page size, or
a page that is not a positive whole number, answers 400 naming the parameter; a page past the
last answers 404."""

from django.core.paginator import InvalidPage
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def _whole_number(request, name: str, *, upper: int | None = None) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1 or (upper is not None and value > upper):
        message = (
            _("Enter a whole number from 1 to %(max)d.") % {"max": upper}
            if upper
            else _("Enter a whole number from 1.")
        )
        raise exceptions.ValidationError({name: [message]})
    return value


class Pagination(PageNumberPagination):
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request):
        return _whole_number(request, "page_size", upper=self.max_page_size) or self.page_size

    def paginate_queryset(self, queryset, request, view=None):
        number = _whole_number(request, "page") or 1
        page_size = self.get_page_size(request)
        paginator = self.django_paginator_class(queryset, page_size)
        try:
            self.page = paginator.page(number)
        except InvalidPage as error:
            raise exceptions.NotFound(
                _("There is no page %(number)d: the last is %(last)d.")
                % {"number": number, "last": paginator.num_pages}
            ) from error
        self.request = request
        return list(self.page)

    def get_schema_operation_parameters(self, view):
        """`page` and `page_size` with their bounds, so that a client (and the fuzzer) knows
        what answers 400."""
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
        return parameters

    def get_paginated_response_schema(self, schema):
        body = super().get_paginated_response_schema(schema)
        body["required"] = ["count", "next", "previous", "results"]
        return body
