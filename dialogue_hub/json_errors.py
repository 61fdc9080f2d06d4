"""Errors of the API (/api/…) as JSON, in one shape wherever they come from: DRF's exception
handler (api/errors.py), Django's 404/500 handlers and the middleware that refuses control
characters (dialogue_hub/middleware.py) all answer

    {"status": 400, "code": "invalid", "detail": "…", "errors": {"field": ["…"]}}

(`errors` only when fields are named). A program reading the API never gets an HTML page."""

from django.http import JsonResponse

API_PREFIX = "/api/"


def is_api(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


def error_body(status: int, code: str, detail, errors: dict | None = None) -> dict:
    body = {"status": status, "code": code, "detail": str(detail)}
    if errors:
        body["errors"] = {
            str(name): [str(message) for message in messages] for name, messages in errors.items()
        }
    return body


def json_error(status: int, code: str, detail, errors: dict | None = None, **kwargs):
    return JsonResponse(error_body(status, code, detail, errors), status=status, **kwargs)
