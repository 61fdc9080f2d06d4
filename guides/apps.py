from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GuidesConfig(AppConfig):
    name = "guides"
    verbose_name = _("Guides and circles")

    def ready(self):
        from initiatives import checklist
        from initiatives.selectors import ATTENTION_PROVIDERS
        from participants.selectors.public import EXPORT_PROVIDERS

        from . import emails, setup_steps
        from .selectors.needs import needs_attention
        from .selectors.participant import participant_data
        from .selectors.requests import move_requests_attention
        from .selectors.safety import safety_attention

        emails.register_kinds()
        checklist.register(*setup_steps.STEPS)
        for provider in (needs_attention, move_requests_attention, safety_attention):
            if provider not in ATTENTION_PROVIDERS:
                ATTENTION_PROVIDERS.append(provider)
        if participant_data not in EXPORT_PROVIDERS:
            EXPORT_PROVIDERS.append(participant_data)
