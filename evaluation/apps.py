from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = _("Evaluation")

    def ready(self):
        from actions.selectors.results import RESULTS_LINKS
        from guides.views.circles import CIRCLE_PAGE_LINKS
        from guides.views.participant import MEETING_LINKS
        from initiatives import checklist
        from initiatives.selectors import ATTENTION_PROVIDERS
        from participants.selectors.public import EXPORT_PROVIDERS
        from participants.services.public import FORGET_HOOKS

        from . import emails, setup_steps
        from .permissions import circle_feedback_link
        from .selectors.feedback import feedback_attention, participant_feedback_links
        from .selectors.report import public_report_links
        from .selectors.responses import participant_data
        from .services.responses import forget_participant

        # Answers under a pseudonym are beyond the database's cascades: forgotten here.
        if forget_participant not in FORGET_HOOKS:
            FORGET_HOOKS.append(forget_participant)
        if participant_data not in EXPORT_PROVIDERS:
            EXPORT_PROVIDERS.append(participant_data)
        emails.register_kinds()
        checklist.register(*setup_steps.STEPS)
        emails.register_feedback_kinds()
        if feedback_attention not in ATTENTION_PROVIDERS:
            ATTENTION_PROVIDERS.append(feedback_attention)
        if participant_feedback_links not in MEETING_LINKS:
            MEETING_LINKS.append(participant_feedback_links)
        if circle_feedback_link not in CIRCLE_PAGE_LINKS:
            CIRCLE_PAGE_LINKS.append(circle_feedback_link)
        if public_report_links not in RESULTS_LINKS:
            RESULTS_LINKS.append(public_report_links)
