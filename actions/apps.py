from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActionsConfig(AppConfig):
    name = "actions"
    verbose_name = _("Actions")

    def ready(self):
        from initiatives import checklist
        from participants.selectors.decision_bodies import DECISION_BODIES
        from participants.selectors.public import EXPORT_PROVIDERS

        from . import emails, setup_steps
        from .selectors.forum import participant_votes
        from .selectors.progress import participant_assets
        from .selectors.teams import convener_bodies, participant_teams

        emails.register_kinds()
        checklist.register(*setup_steps.STEPS)
        # A person's own download holds what they did here too (participants imports no app).
        for provider in (participant_teams, participant_votes, participant_assets):
            if provider not in EXPORT_PROVIDERS:
                EXPORT_PROVIDERS.append(provider)
        # The inclusion dashboard's decision-making bodies include the teams' conveners.
        if convener_bodies not in DECISION_BODIES:
            DECISION_BODIES.append(convener_bodies)
