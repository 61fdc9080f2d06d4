"""The after-session feedback form: one five-point question per agreement item, each with
"prefer not to answer", and the optional comment, in the page's language (the survey's fields,
forms/waves.py)."""

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .waves import add_question_fields


class FeedbackForm(forms.Form):
    """Built from the instrument's questions (`items`); every answer is optional."""

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        add_question_fields(
            self,
            items,
            (get_language() or "en")[:2],
            rows=3,
            help_text=_("Only the organizers and your circle's facilitators read it."),
        )
