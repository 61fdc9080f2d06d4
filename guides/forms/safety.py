"""Forms of safety cases: the note that resolves one, and a participant's own report from their
private link (what kind of concern, what happened, with their name or anonymously)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import SafetyCategory
from ..services.logs import MAX_TEXT
from ..services.safety import MAX_RESOLUTION


class CaseResolveForm(forms.Form):
    resolution = forms.CharField(
        label=_("What was done"),
        max_length=MAX_RESOLUTION,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Who was told, what was agreed, what follows. Kept with the case."),
    )


class SafetyReportForm(forms.Form):
    category = forms.ChoiceField(
        label=_("What is it about?"), choices=SafetyCategory.choices, widget=forms.RadioSelect
    )
    description = forms.CharField(
        label=_("What happened?"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Only the organizers and your circle's facilitators and recorder read it."),
    )
    named = forms.TypedChoiceField(
        label=_("Who is telling us?"),
        choices=[
            ("0", _("Keep me anonymous: the report does not say who I am")),
            ("1", _("Give my name, so the organizers can get back to me")),
        ],
        coerce=lambda value: value == "1",
        initial="0",
        widget=forms.RadioSelect,
    )
    organizers_only = forms.BooleanField(
        label=_("Only the organizers, not my circle's facilitators and recorder"),
        required=False,
    )
