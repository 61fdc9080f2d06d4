"""Ballot items and what action teams show publicly, per language (dialogue_hub/translated.py)."""

from modeltranslation.translator import TranslationOptions, register

from .models import ActionTeam, Ballot, Idea, Theme


@register(Ballot)
class BallotTranslation(TranslationOptions):
    fields = ("title",)


@register(Theme)
class ThemeTranslation(TranslationOptions):
    fields = ("name", "description")


@register(Idea)
class IdeaTranslation(TranslationOptions):
    fields = ("text",)


@register(ActionTeam)
class ActionTeamTranslation(TranslationOptions):
    fields = ("name", "description")
