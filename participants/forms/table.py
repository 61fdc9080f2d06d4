"""Forms of sign-up table mode: starting it (which event the sign-ups are credited to) and
leaving it (the staff member signs in again)."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Fieldset, Layout, Submit
from django import forms
from django.contrib.auth import authenticate
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from dialogue_hub import ratelimit
from dialogue_hub.forms import DateInput, columns, optional_row
from initiatives.forms import PartnerChoiceField
from initiatives.permissions import has_perm
from initiatives.selectors import coalition_members, roles_in

from ..selectors.outreach import outreach_activities

# The start page offers the most recent outreach records; an older event is named anew.
RECENT_ACTIVITIES = 50


class ActivityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.segment} ({obj.happened_on:%Y-%m-%d})"


class TableStartForm(forms.Form):
    activity = ActivityChoiceField(
        label=_("An event already in the outreach records"),
        queryset=None,
        required=False,
        empty_label=_("None: a new event (below)"),
    )
    event_name = forms.CharField(
        label=_("Or the name of a new event"),
        max_length=200,
        required=False,
        help_text=_("e.g. “Eastside block party”. It is added to the outreach records."),
    )
    happened_on = forms.DateField(label=_("Date of the event"), required=False, widget=DateInput)
    partner = optional_row(
        _("Partner hosting it (optional)"),
        _("No partner: the organizers run the table"),
        field_class=PartnerChoiceField,
    )

    def __init__(self, *args, initiative, **kwargs):
        super().__init__(*args, **kwargs)
        recent = outreach_activities(initiative=initiative)[:RECENT_ACTIVITIES]
        self.fields["activity"].queryset = outreach_activities(initiative=initiative).filter(
            pk__in=[activity.pk for activity in recent]
        )
        self.fields["partner"].queryset = coalition_members(initiative=initiative)
        self.fields["happened_on"].initial = timezone.localdate
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "activity",
            Fieldset(
                _("New event"),
                columns("event_name", "happened_on"),
                "partner",
                css_class="mt-2",
            ),
            HTML(
                format_lazy(
                    '<p class="alert alert-warning small">{}</p>',
                    _(
                        "Starting the table signs you out on this device. To leave table mode "
                        "you will sign in again with your password."
                    ),
                )
            ),
            Submit("submit", _("Start the sign-up table"), css_class="btn-lg"),
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("activity") is None:
            if not (cleaned.get("event_name") or "").strip() and "event_name" not in self.errors:
                self.add_error(
                    "event_name",
                    _("Choose the event from the list, or give the name of a new one."),
                )
            if cleaned.get("happened_on") is None and "happened_on" not in self.errors:
                self.add_error("happened_on", _("Give the date of the event."))
        return cleaned


# Attempts to sign in again at one table (the tablet is in the public's hands).
LEAVE_ATTEMPTS_PER_TABLE = 5
LEAVE_WINDOW_SECONDS = 15 * 60


class TableLeaveForm(forms.Form):
    """Sign in again to end the table: the email and password of a team member who may manage
    registration for this initiative. Valid once they match (`self.user`); every error is shown
    next to the password, the email kept."""

    email = forms.EmailField(
        label=_("Your email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, request, initiative, attempts_key, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.initiative = initiative
        self.attempts_key = attempts_key
        self.user = None
        self.helper = FormHelper()
        self.helper.layout = Layout("email", "password", Submit("submit", _("Sign in and leave")))

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if not ratelimit.allow(
            self.attempts_key, limit=LEAVE_ATTEMPTS_PER_TABLE, window_seconds=LEAVE_WINDOW_SECONDS
        ):
            self.add_error(
                "password", _("Too many attempts. Please wait a quarter of an hour and try again.")
            )
            return cleaned
        user = authenticate(self.request, email=cleaned["email"], password=cleaned["password"])
        if user is None:
            self.add_error("password", _("That email and password do not match. Try again."))
        elif not has_perm(roles_in(user=user, initiative=self.initiative), "participants.manage"):
            self.add_error(
                "password",
                _("This account cannot end this initiative's sign-up table: ask an organizer."),
            )
        else:
            self.user = user
        return cleaned
