"""The after-session feedback form: one five-point question per agreement item, each with
"prefer not to answer", and the optional comment, in the page's language."""

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ..models import Agreement, ItemKind
from ..services.responses import COMMENT_MAX

PREFER_NOT = "prefer_not"


def agreement_choices():
    return [(str(value), label) for value, label in Agreement.choices] + [
        (PREFER_NOT, _("Prefer not to answer"))
    ]


class FeedbackForm(forms.Form):
    """Built from the instrument's questions (`items`); every answer is optional."""

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        language = (get_language() or "en")[:2]
        for item in items:
            if item.kind == ItemKind.COMMENT:
                self.fields[item.key] = forms.CharField(
                    label=item.text(language),
                    required=False,
                    max_length=COMMENT_MAX,
                    widget=forms.Textarea(attrs={"rows": 3}),
                    help_text=_("Only the organizers and your circle's facilitators read it."),
                )
            else:
                self.fields[item.key] = forms.ChoiceField(
                    label=item.text(language),
                    required=False,
                    choices=agreement_choices(),
                    widget=forms.RadioSelect,
                )
