from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipantsConfig(AppConfig):
    name = "participants"
    verbose_name = _("Participants")

    def ready(self):
        from initiatives import checklist

        from . import emails, setup_steps

        emails.register_kinds()
        checklist.register(*setup_steps.STEPS)
