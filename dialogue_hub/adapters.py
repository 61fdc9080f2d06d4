from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site

from .emails import send_after_commit


class AccountAdapter(DefaultAccountAdapter):
    """allauth's emails (address confirmation, password reset) go out through Celery,
    after the request's transaction commits, so a slow mail server never holds up a page."""

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        request = allauth_context.request
        full_context = {
            "request": request,
            "email": email,
            "current_site": get_current_site(request),
            **context,
        }
        send_after_commit(self.render_mail(template_prefix, email, full_context))
