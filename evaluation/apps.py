from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = _("Evaluation")

    def ready(self):
        from participants.selectors.public import EXPORT_PROVIDERS
        from participants.services.public import FORGET_HOOKS

        from . import emails
        from .selectors.responses import participant_data
        from .services.responses import forget_participant

        # Answers under a pseudonym are beyond the database's cascades: forgotten here.
        if forget_participant not in FORGET_HOOKS:
            FORGET_HOOKS.append(forget_participant)
        if participant_data not in EXPORT_PROVIDERS:
            EXPORT_PROVIDERS.append(participant_data)
        emails.register_kinds()
