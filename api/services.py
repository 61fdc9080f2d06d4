"""Writes of the api app: creating and revoking personal API tokens."""

from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dialogue_hub.exceptions import DomainError

from .models import SHOWN_CHARS, ApiToken, new_token_value, token_hash

MAX_ACTIVE_TOKENS = 20
LONGEST_LIFE = timedelta(days=3652)  # an expiry further away is no expiry (leave it blank)
LAST_USED_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often per token


def _end_of(day: date) -> datetime:
    """The end of `day` in the current time zone (the person's): a token "expires on 1 March"
    still works all that day."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


@transaction.atomic
def token_create(*, user, name: str, expires_on: date | None = None) -> tuple[ApiToken, str]:
    """A new token for `user`: the row and the token's value, which is never stored and must
    be shown to the person now. Raises DomainError for a name already used by one of their
    working tokens, an expiry in the past, or too many tokens."""
    name = name.strip()
    if not name:
        raise DomainError(_("Give the token a name."), field="name")
    if expires_on is not None and expires_on <= timezone.localdate():
        raise DomainError(_("Choose a day after today."), field="expires_on")
    if expires_on is not None and expires_on > timezone.localdate() + LONGEST_LIFE:
        raise DomainError(
            _("Choose a day within the next ten years, or leave it empty."), field="expires_on"
        )
    working = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
    if working.count() >= MAX_ACTIVE_TOKENS:
        raise DomainError(
            ngettext(
                "You have %(count)d token. Revoke it first.",
                "You have %(count)d tokens. Revoke one you no longer use first.",
                MAX_ACTIVE_TOKENS,
            )
            % {"count": MAX_ACTIVE_TOKENS}
        )
    value = new_token_value()
    try:
        with transaction.atomic():
            token = ApiToken.objects.create(
                user=user,
                name=name,
                prefix=value[:SHOWN_CHARS],
                key_hash=token_hash(value),
                expires_at=_end_of(expires_on) if expires_on else None,
            )
    except IntegrityError as error:
        raise DomainError(_("You already have a token with this name."), field="name") from error
    return token, value


@transaction.atomic
def token_revoke(*, user, token: ApiToken) -> ApiToken:
    """Revoke one of `user`'s tokens (it answers 401 from now on). Revoking twice is a no-op."""
    if token.user_id != user.pk:
        raise DomainError(_("This token is not yours."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_used(token: ApiToken, now=None) -> None:
    """Note that `token` was used: one UPDATE at most once a minute per token."""
    now = now or timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
