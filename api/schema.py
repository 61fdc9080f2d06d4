"""The OpenAPI schema (drf-spectacular): every operation documents the error answers it can
give, in the one shape of dialogue_hub/json_errors.py, so a client (and the schema-driven
fuzzer in tests/api/) can rely on the schema for every status code, not only 200."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    status = serializers.IntegerField()
    code = serializers.CharField()
    detail = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="The parameters that were refused, each with what was wrong.",
    )

    class Meta:
        ref_name = "Error"


ERROR_DESCRIPTIONS = {
    "400": "A parameter is unknown or malformed: `errors` names it.",
    "401": "No token, or a token that is wrong, revoked or expired.",
    "403": "Your role in this initiative does not give access to this.",
    "404": "No such object, or not one you may see (an initiative you have no role in).",
    "405": (
        "Only GET, HEAD and OPTIONS are answered. The token and the role are checked first: "
        "where a GET would be refused (401, 403, 404), so is any other method."
    ),
    "406": "The Accept header asks for a format this endpoint does not give.",
    "429": "Too many requests: wait the seconds `Retry-After` says.",
}
NOT_MODIFIED = (
    "Not Modified: the request's If-None-Match (the ETag of a previous answer) still holds. "
    "No body. If-Modified-Since alone is not enough: something taken off the public results "
    "does not move Last-Modified forward."
)

CONDITIONAL_HEADERS = [
    OpenApiParameter(
        "If-None-Match",
        str,
        OpenApiParameter.HEADER,
        description="The ETag of an answer you have: 304 while it still holds.",
    ),
]


class ApiAutoSchema(AutoSchema):
    """Adds the error answers to every operation: 401 and 403 where a token is needed, the
    rest everywhere; and 304 Not Modified where the view answers conditional requests (the
    open data: ETag and Last-Modified)."""

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if getattr(self.view, "conditional", False):
            return [*parameters, *CONDITIONAL_HEADERS]
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes = ["400", "404", "405", "406", "429"]
        if getattr(self.view, "needs_token", True):
            codes += ["401", "403"]
        for code in sorted(codes):
            if code not in responses:
                body = self._get_response_for_code(ErrorSerializer, code, ["application/json"])
                body["description"] = ERROR_DESCRIPTIONS[code]
                responses[code] = body
        if getattr(self.view, "conditional", False) and "304" not in responses:
            responses["304"] = {"description": NOT_MODIFIED}
        return dict(sorted(responses.items()))


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiTokenAuthentication"
    name = "token"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "A personal API token, created on your account's API tokens page. It reads "
                "what your roles let you read, nothing more."
            ),
        }
