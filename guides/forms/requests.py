"""Forms of the organizers' queue of requests for another circle: accepting one (the circle
to move the person into, as when placing by hand) and declining it (a kind answer)."""

from crispy_forms.layout import Layout, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import MoveRequest
from .assignment import CircleTargetForm


def answer_field(label, help_text) -> forms.CharField:
    """The organizer's optional words to the person, sent with the answer."""
    return forms.CharField(
        label=label,
        required=False,
        max_length=MoveRequest._meta.get_field("answer").max_length,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=help_text,
    )


class MoveAcceptForm(CircleTargetForm):
    """Move the person who asked into one circle (of `circles`)."""

    answer = answer_field(
        _("A word for them (optional)"), _("Sent with their new circle's details.")
    )

    def __init__(self, *args, circles, **kwargs):
        super().__init__(*args, circles=circles, **kwargs)
        self.helper.layout = Layout(
            "circle", "override", "answer", Submit("submit", _("Accept and move"))
        )


class MoveDeclineForm(forms.Form):
    answer = answer_field(
        _("A kind answer (optional)"), _("Sent to them with our thanks; they stay in their circle.")
    )
