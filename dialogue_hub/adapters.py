from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site
from django.utils import translation

from . import outbox, ratelimit
from .emails import message_to_payload


class AccountAdapter(DefaultAccountAdapter):
    """allauth's emails (address confirmation, password reset) go through the outbox: a row
    committed with the request, sent by a Celery worker, so a slow or down mail server or
    broker never holds up a page and never loses the email."""

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        request = allauth_context.request
        full_context = {
            "request": request,
            "email": email,
            "current_site": get_current_site(request),
            **context,
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
