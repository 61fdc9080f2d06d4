"""One error shape for every API answer (dialogue_hub/json_errors.py): DRF's exceptions through
`exception_handler`, and Django's own 404 and 500 for /api/ addresses through the handlers the
root URL conf names."""

from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

from dialogue_hub.json_errors import error_body, is_api, json_error

CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    429: "throttled",
}


def _field_errors(data) -> dict:
    """DRF's ValidationError detail as {field: [messages]} (non-field errors under "detail")."""
    if isinstance(data, dict):
        return {
            name: [str(m) for m in (messages if isinstance(messages, list) else [messages])]
            for name, messages in data.items()
        }
    return {"detail": [str(m) for m in (data if isinstance(data, list) else [data])]}


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a server error: Django's 500 handler answers (handler500 below)
    code = CODES.get(response.status_code, "error")
    if isinstance(exc, exceptions.ValidationError):
        errors = _field_errors(exc.detail)
        names = ", ".join(sorted(errors))
        detail = _("Check these parameters: %(names)s.") % {"names": names}
        response.data = error_body(response.status_code, code, detail, errors)
    else:
        # DRF's handler has turned Django's Http404 and PermissionDenied into its own
        # exceptions: their message is in response.data (translated by DRF's catalogue).
        data = response.data
        detail = data.get("detail") if isinstance(data, dict) else data
        if isinstance(detail, dict | list) or not detail:
            detail = response.status_text
        if isinstance(exc, exceptions.NotAuthenticated):
            detail = _("Send a token: Authorization: Bearer <token>.")
        response.data = error_body(response.status_code, code, detail)
    return response


def handler404(request, exception=None):
    if is_api(request):
        return json_error(404, "not_found", _("Nothing is at this address."))
    return defaults.page_not_found(request, exception)


def handler500(request):
    if is_api(request):
        return json_error(
            status.HTTP_500_INTERNAL_SERVER_ERROR,
            "server_error",
            _("Something went wrong on our side. Please try again later."),
        )
    return defaults.server_error(request)
