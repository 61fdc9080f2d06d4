"""Forms for outreach tracking: a partner's referral link and an outreach activity."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout, Submit
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dialogue_hub.forms import (
    DateInput,
    columns,
    not_in_future,
    optional_row,
    required_text,
)
from initiatives.forms import PartnerChoiceField
from initiatives.selectors import coalition_members

from ..models import Channel, OutreachActivity

MAX_PEOPLE_REACHED = 10_000_000


class ReferralLinkForm(forms.Form):
    partner = PartnerChoiceField(
        label=_("Partner"),
        queryset=None,
        empty_label=_("Choose a coalition partner"),
        help_text=_("Sign-ups through this link are credited to this organization."),
    )
    channel = forms.ChoiceField(
        label=_("Where the link will be shared"),
        choices=Channel.choices,
        initial=Channel.PARTNER,
        help_text=_("Used as “how they heard” unless the person says otherwise."),
    )
    label = forms.CharField(
        label=_("Label (optional)"),
        max_length=120,
        required=False,
        help_text=_("e.g. “Spring newsletter” or “Flyers at the Eastside clinic”."),
    )

    def __init__(self, *args, initiative, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = coalition_members(initiative=initiative)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "partner", "channel", "label", Submit("submit", _("Create link"))
        )


class OutreachActivityForm(forms.ModelForm):
    partner = optional_row(
        _("Partner (optional)"),
        _("No partner: the organizers did it"),
        field_class=PartnerChoiceField,
    )
    people_reached = forms.IntegerField(
        label=_("People reached"),
        min_value=0,
        max_value=MAX_PEOPLE_REACHED,
        help_text=_("Your best estimate: conversations held, flyers handed out, emails sent."),
    )

    class Meta:
        model = OutreachActivity
        fields = ["partner", "channel", "segment", "people_reached", "happened_on", "notes"]
        widgets = {
            "happened_on": DateInput,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, initiative, submit_label=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = coalition_members(initiative=initiative)
        self.fields["happened_on"].initial = timezone.localdate
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "partner",
            "channel",
            "segment",
            columns("people_reached", "happened_on"),
            "notes",
            Submit("submit", submit_label or _("Save")),
        )

    def clean_segment(self):
        return required_text(self.cleaned_data["segment"], _("Say who this outreach was aimed at."))

    def clean_happened_on(self):
        return not_in_future(
            self.cleaned_data["happened_on"],
            today=timezone.localdate(),
            message=_("Log outreach once it has happened: this date is in the future."),
        )

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields}
