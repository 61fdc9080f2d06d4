from types import SimpleNamespace
from urllib.parse import quote, urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from . import outbox, ratelimit
from .emails import absolute_url, message_to_payload


def site_of_base_url() -> SimpleNamespace:
    """What allauth's templates call the current site (name, domain), taken from
    DIALOGUE_HUB_BASE_URL rather than from the request's Host header."""
    return SimpleNamespace(
        name="Dialogue Hub", domain=urlsplit(settings.DIALOGUE_HUB_BASE_URL).netloc
    )


def rebased(value, request):
    """An absolute URL allauth built from the request (its Host header), moved onto
    DIALOGUE_HUB_BASE_URL; any other value unchanged."""
    if not isinstance(value, str) or request is None:
        return value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or parts.netloc != request.get_host():
        return value
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return absolute_url(path + (f"#{parts.fragment}" if parts.fragment else ""))


class AccountAdapter(DefaultAccountAdapter):
    """allauth's emails (address confirmation, password reset) go through the outbox: a row
    committed with the request, sent by a Celery worker, so a slow or down mail server or
    broker never holds up a page and never loses the email.

    Every link in them comes from DIALOGUE_HUB_BASE_URL, like the links of every other email,
    never from the Host header of the request that caused it (allauth's default): the
    confirmation and password-reset links are built here, and any other absolute URL allauth
    hands to an email (its sign-up and password-reset pages) is moved onto the setting."""

    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        return absolute_url(reverse("account_confirm_email", args=[emailconfirmation.key]))

    def get_reset_password_from_key_url(self, key: str) -> str:
        # allauth's own URL shape: the opaque key stands in for "<uidb36>-<key>".
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return absolute_url(path.replace("UID-KEY", quote(key)))

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        request = allauth_context.request
        full_context = {
            "request": request,
            "email": email,
            **{name: rebased(value, request) for name, value in context.items()},
            "current_site": site_of_base_url(),
        }
        message = self.render_mail(template_prefix, email, full_context)
        outbox.outbox_add(
            kind="account",
            to=email,
            language=translation.get_language() or "",
            payload=message_to_payload(message),
        )

    def get_client_ip(self, request) -> str:
        """The client address allauth's rate limits count under: ours (dialogue_hub/ratelimit.py,
        DIALOGUE_HUB_TRUSTED_PROXY_HOPS), not the proxy's."""
        return ratelimit.client_ip(request)
