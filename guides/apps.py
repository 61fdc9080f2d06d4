from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GuidesConfig(AppConfig):
    name = "guides"
    verbose_name = _("Guides and circles")

    def ready(self):
        from initiatives.selectors import ATTENTION_PROVIDERS

        from . import emails
        from .selectors.needs import needs_attention
        from .selectors.requests import move_requests_attention
        from .selectors.safety import safety_attention

        emails.register_kinds()
        for provider in (needs_attention, move_requests_attention, safety_attention):
            if provider not in ATTENTION_PROVIDERS:
                ATTENTION_PROVIDERS.append(provider)
