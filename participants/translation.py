"""The participants app's texts that organizers write in each of the initiative's languages
(django-modeltranslation adds `<field>_en`, `<field>_es`; the plain attribute reads the
active language, falling back to the other)."""

from modeltranslation.translator import TranslationOptions, register

from .models import Question, QuestionChoice


@register(Question)
class QuestionTranslationOptions(TranslationOptions):
    fields = ("label", "help_text")


@register(QuestionChoice)
class QuestionChoiceTranslationOptions(TranslationOptions):
    fields = ("label",)
