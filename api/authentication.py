"""`Authorization: Bearer <token>` for the API (`Token <token>` is read too, as DRF's own
TokenAuthentication writes it). A wrong, revoked or expired token, or one whose owner's account
is closed, answers 401 with a message that says which; no token at all leaves the request
anonymous, and the views that need a person then answer 401 (api/views/base.py)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from .selectors import token_by_value
from .services import token_used

KEYWORDS = (b"bearer", b"token")
REALM = 'Bearer realm="Dialogue Hub API"'


class ApiTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the token as: Authorization: Bearer <token>.")
            )
        try:
            value = parts[1].decode("ascii")
        except UnicodeDecodeError as error:
            raise exceptions.AuthenticationFailed(_("This token is not valid.")) from error
        token = token_by_value(value) if len(value) <= 200 else None
        if token is None:
            raise exceptions.AuthenticationFailed(_("This token is not valid."))
        now = timezone.now()
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This token was revoked."))
        if token.is_expired(now):
            raise exceptions.AuthenticationFailed(_("This token has expired."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("This token's account is closed."))
        token_used(token, now)
        return token.user, token

    def authenticate_header(self, request):
        return REALM
