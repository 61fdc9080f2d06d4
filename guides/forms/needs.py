"""The form behind a meeting's "Mark arranged" and "Not arranged" buttons (one need each)."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from participants.models import AccessibilityNeed

from ..models import NeedArrangement

ARRANGEABLE = [(v, label) for v, label in AccessibilityNeed.choices if v != "mobility"]


class NeedArrangeForm(forms.Form):
    need = forms.ChoiceField(choices=ARRANGEABLE)
    language = forms.ChoiceField(choices=[("", "")] + list(settings.LANGUAGES), required=False)
    note = forms.CharField(
        label=_("Note (who, what, where)"),
        required=False,
        max_length=NeedArrangement._meta.get_field("note").max_length,
    )

    def first_error(self) -> str:
        """The one message a button's refusal shows (the note's limit, or a stale page)."""
        if "note" in self.errors:
            return self.errors["note"][0]
        return str(_("That need could not be found. Reload the page and try again."))
