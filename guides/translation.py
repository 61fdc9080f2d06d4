"""Circles' venues and notes and the guides' content, per language (dialogue_hub/translated.py)."""

from modeltranslation.translator import TranslationOptions, register

from .models import Circle, CircleSession, DiscussionGuide, GuideSession


@register(Circle)
class CircleTranslation(TranslationOptions):
    fields = ("venue_name", "notes")


@register(CircleSession)
class CircleSessionTranslation(TranslationOptions):
    fields = ("title", "venue_name")


@register(DiscussionGuide)
class DiscussionGuideTranslation(TranslationOptions):
    fields = ("title", "description")


@register(GuideSession)
class GuideSessionTranslation(TranslationOptions):
    fields = ("title", "goals", "agenda", "questions")
