"""Forms for outreach tracking: a partner's referral link and an outreach activity."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Layout, Submit
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dialogue_hub.forms import DateInput
from initiatives.selectors import coalition_members

from ..models import Channel, OutreachActivity

MAX_PEOPLE_REACHED = 10_000_000


class PartnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.organization.name


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
    partner = PartnerChoiceField(
        label=_("Partner (optional)"),
        queryset=None,
        required=False,
        empty_label=_("No partner: the organizers did it"),
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
            Div(
                Div("people_reached", css_class="col-sm-6"),
                Div("happened_on", css_class="col-sm-6"),
                css_class="row",
            ),
            "notes",
            Submit("submit", submit_label or _("Save")),
        )

    def clean_segment(self):
        segment = self.cleaned_data["segment"].strip()
        if not segment:
            raise forms.ValidationError(_("Say who this outreach was aimed at."))
        return segment

    def clean_happened_on(self):
        happened_on = self.cleaned_data["happened_on"]
        if happened_on > timezone.localdate():
            raise forms.ValidationError(
                _("Log outreach once it has happened: this date is in the future.")
            )
        return happened_on

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields}
