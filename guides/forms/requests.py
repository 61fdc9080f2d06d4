"""Forms of the organizers' queue of requests for another circle: accepting one (the circle
to move the person into) and declining it (a kind answer)."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import MoveRequest
from .assignment import CircleChoiceField

ANSWER_MAX = MoveRequest._meta.get_field("answer").max_length


class MoveAcceptForm(forms.Form):
    """Move the person who asked into one circle (of `circles`)."""

    circle = CircleChoiceField(
        label=_("Move them to"),
        queryset=None,
        empty_label=_("Choose a circle"),
        help_text=_("Each circle shows its time, language and how many of its places are taken."),
    )
    override = forms.BooleanField(
        label=_("Place anyway if the circle's time or language doesn't suit them"),
        required=False,
        help_text=_("Only when you have agreed it with the person."),
    )
    answer = forms.CharField(
        label=_("A word for them (optional)"),
        required=False,
        max_length=ANSWER_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Sent with their new circle's details."),
    )

    def __init__(self, *args, circles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["circle"].queryset = circles
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "circle", "override", "answer", Submit("submit", _("Accept and move"))
        )


class MoveDeclineForm(forms.Form):
    answer = forms.CharField(
        label=_("A kind answer (optional)"),
        required=False,
        max_length=ANSWER_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Sent to them with our thanks; they stay in their circle."),
    )
