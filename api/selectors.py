"""Reads of the api app's own data (tokens). The API's answers read through the other apps'
selectors (api/views/)."""

from django.db.models import F, QuerySet

from .models import ApiToken, token_hash


def tokens_of(*, user) -> QuerySet[ApiToken]:
    """The person's tokens: those not revoked first (newest first), then the revoked ones, the
    last revoked first. `nulls_first`: PostgreSQL puts NULLs last in an ascending order."""
    return ApiToken.objects.filter(user=user).order_by(
        F("revoked_at").desc(nulls_first=True), "-created_at", "-pk"
    )


def token_of(*, user, pk) -> ApiToken:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(ApiToken, user=user, pk=pk)


def token_by_value(value: str) -> ApiToken | None:
    """The token whose value this is (revoked and expired ones included: the caller says why
    it is refused), with its owner. One query."""
    return ApiToken.objects.select_related("user").filter(key_hash=token_hash(value)).first()
