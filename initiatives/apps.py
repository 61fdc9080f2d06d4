from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InitiativesConfig(AppConfig):
    name = "initiatives"
    verbose_name = _("Initiatives")

    def ready(self):
        from . import checklist, emails, setup_steps

        emails.register_kinds()
        checklist.register(*setup_steps.STEPS)
