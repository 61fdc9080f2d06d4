"""What organizers write for participants in the participants app, per language
(django-modeltranslation adds `<field>_en`, `<field>_es`; see dialogue_hub/translated.py)."""

from modeltranslation.translator import TranslationOptions, register

from .models import Question, QuestionChoice, RegistrationSettings


@register(RegistrationSettings)
class RegistrationSettingsTranslation(TranslationOptions):
    # The lists themselves (time_slots, neighborhoods, lived_experience_groups) stay in the
    # initiative's first language: they are what answers and circles store. `option_labels`
    # holds, per language, the same lists' wording for readers of that language.
    fields = ("option_labels", "consent_note")


@register(Question)
class QuestionTranslationOptions(TranslationOptions):
    fields = ("label", "help_text")


@register(QuestionChoice)
class QuestionChoiceTranslationOptions(TranslationOptions):
    fields = ("label",)
