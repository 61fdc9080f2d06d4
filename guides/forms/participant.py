"""The form a participant fills in from their private link to ask for another circle or
time."""

from django import forms
from django.utils.translation import gettext_lazy as _

from dialogue_hub.translated import marked_text

from ..models import MoveRequest


class MoveRequestForm(forms.Form):
    wanted_time_slot = forms.ChoiceField(
        label=_("A time that would suit me better"), required=False
    )
    reason = forms.CharField(
        label=_("Why would another circle or time suit you better?"),
        max_length=MoveRequest._meta.get_field("reason").max_length,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Only the organizers read this."),
    )

    def __init__(self, *args, time_slots, labels=None, **kwargs):
        """`time_slots`: the stored values; `labels`: {value: label in the reader's language}
        (guides.selectors.participant.time_slot_labels), a fallback marked."""
        super().__init__(*args, **kwargs)
        labels = labels or {}
        self.fields["wanted_time_slot"].choices = [("", _("Any other time"))] + [
            (slot, marked_text(labels.get(slot, slot))) for slot in time_slots
        ]
