"""What organizers write about their initiative, per language (see dialogue_hub/translated.py)."""

from modeltranslation.translator import TranslationOptions, register

from .models import Initiative


@register(Initiative)
class InitiativeTranslation(TranslationOptions):
    fields = ("name", "description", "impact_goals", "process_goals")
