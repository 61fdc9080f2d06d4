from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout, Submit
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from dialogue_hub.forms import DateInput, columns
from dialogue_hub.translated import TranslatedFieldsMixin

from .models import (
    COALITION_FIELDS,
    INITIATIVE_EDITABLE_FIELDS,
    INITIATIVE_TRANSLATED_FIELDS,
    MAX_REMINDER_HOURS,
    MAX_REMINDERS,
    ORGANIZATION_FIELDS,
    CoalitionMembership,
    Initiative,
    Organization,
    Role,
    Sector,
    timezone_choices,
)


class ReminderHoursField(forms.CharField):
    """“48, 2” ↔ [48, 2]: whole hours before a meeting, largest first."""

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return value

    def to_python(self, value):
        text = (super().to_python(value) or "").replace(";", ",")
        parts = [part.strip() for part in text.split(",") if part.strip()]
        hours = []
        for part in parts:
            if not (part.isascii() and part.isdigit()) or not 1 <= int(part) <= MAX_REMINDER_HOURS:
                raise forms.ValidationError(
                    _("Give whole hours between 1 and %(max)s, separated by commas."),
                    params={"max": MAX_REMINDER_HOURS},
                )
            hours.append(int(part))
        if len(hours) > MAX_REMINDERS or len(set(hours)) != len(hours):
            raise forms.ValidationError(
                _("Give at most %(n)s different times."), params={"n": MAX_REMINDERS}
            )
        return sorted(hours, reverse=True)


class InitiativeForm(TranslatedFieldsMixin, forms.ModelForm):
    """An initiative's details; its title, description and goals in each language."""

    translated_fields = INITIATIVE_TRANSLATED_FIELDS

    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=settings.LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
        initial=["en"],
        help_text=_("Languages your dialogue circles will be held in."),
    )
    timezone = forms.ChoiceField(
        label=_("Time zone"), choices=timezone_choices, initial="America/New_York"
    )
    reminder_hours = ReminderHoursField(
        label=_("Meeting reminders (hours before)"),
        required=False,
        initial="48, 2",
        help_text=_(
            "Participants and facilitators get an email this many hours before each meeting, "
            "e.g. “48, 2”. Leave empty for no reminders."
        ),
    )

    class Meta:
        model = Initiative
        fields = INITIATIVE_EDITABLE_FIELDS
        widgets = {
            "starts_on": DateInput,
            "ends_on": DateInput,
            "description": forms.Textarea(attrs={"rows": 4}),
            "impact_goals": forms.Textarea(attrs={"rows": 3}),
            "process_goals": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, submit_label=None, **kwargs):
        instance = kwargs.get("instance")
        if instance is not None:
            kwargs.setdefault("first_language", instance.default_language)
            kwargs.setdefault("translated_instance", instance)
        super().__init__(*args, **kwargs)
        # Required in the first language ticked below, which the form learns on submission.
        for name in self.translated_names("name"):
            self.fields[name].required = False
        self.helper = FormHelper()
        self.helper.layout = Layout(
            *self.translated_names("name"),
            "community",
            *self.translated_names("description"),
            *self.translated_names("impact_goals"),
            *self.translated_names("process_goals"),
            "languages",
            "timezone",
            columns("starts_on", "ends_on"),
            "reminder_hours",
            Submit("submit", submit_label or _("Save")),
        )

    def clean(self):
        cleaned = super().clean()
        # The title is required in the initiative's first language (the first one ticked).
        first = (cleaned.get("languages") or [self.first_language])[0]
        if "languages" in cleaned and not (cleaned.get(f"name_{first}") or "").strip():
            self.add_error(f"name_{first}", _("Give the initiative's name in its first language."))
        starts, ends = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The end date must be on or after the start date."))
        return cleaned


class PartnerChoiceField(forms.ModelChoiceField):
    """A coalition partner (a CoalitionMembership), by its organization's name."""

    def label_from_instance(self, obj):
        return obj.organization.name


class OrganizationFieldsMixin(forms.Form):
    name = forms.CharField(label=_("Organization name"), max_length=200, required=False)
    sector = forms.ChoiceField(
        label=_("Sector"), choices=[("", "---------"), *Sector.choices], required=False
    )
    is_bridge_builder = forms.BooleanField(
        label=_("Bridge-builder: trusted by both the police and residents"), required=False
    )
    website = forms.URLField(
        label=_("Website"), required=False, assume_scheme="https", max_length=200
    )
    description = forms.CharField(
        label=_("About the organization"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class CoalitionMemberForm(OrganizationFieldsMixin, forms.ModelForm):
    """Add an organization to the coalition: pick one you already work with, or describe a new one."""

    existing = forms.ModelChoiceField(
        label=_("An organization from your other initiatives"),
        queryset=Organization.objects.none(),
        required=False,
        help_text=_("Or leave this empty and describe a new organization below."),
    )

    class Meta:
        model = CoalitionMembership
        fields = COALITION_FIELDS
        widgets = {"commitment": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, available=None, **kwargs):
        super().__init__(*args, **kwargs)
        editing = self.instance.pk is not None
        if editing:
            del self.fields["existing"]
            org = self.instance.organization
            for name in ORGANIZATION_FIELDS:
                self.initial.setdefault(name, getattr(org, name))
            self.fields["name"].required = True
            self.fields["sector"].required = True
        elif available is not None and available.exists():
            self.fields["existing"].queryset = available
        else:
            del self.fields["existing"]
        self.helper = FormHelper()
        layout = []
        if "existing" in self.fields:
            layout.append("existing")
        layout += [
            "name",
            "sector",
            "is_bridge_builder",
            "website",
            "description",
            "role",
            "commitment",
            columns("contact_name", "contact_email"),
            Submit("submit", _("Save") if editing else _("Add to coalition")),
        ]
        self.helper.layout = Layout(*layout)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("existing"):
            return cleaned
        if not cleaned.get("name", "").strip():
            self.add_error(
                "name", _("Give the organization's name (or pick an existing organization).")
            )
        if not cleaned.get("sector"):
            self.add_error("sector", _("Choose the sector this organization belongs to."))
        return cleaned

    def organization_data(self):
        return {name: self.cleaned_data[name] for name in ORGANIZATION_FIELDS}

    def membership_data(self):
        return {name: self.cleaned_data[name] for name in self._meta.fields}


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    message = forms.CharField(
        label=_("Personal message (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field("email", autocomplete="off"),
            "role",
            "message",
            Submit("submit", _("Send invitation")),
        )


class AcceptWithNewAccountForm(forms.Form):
    display_name = forms.CharField(label=_("Your name"), max_length=150)
    password1 = forms.CharField(
        label=_("Choose a password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )
    password2 = forms.CharField(
        label=_("Password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "display_name",
            "password1",
            "password2",
            Submit("submit", _("Create my account and join")),
        )

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("password1")
            and cleaned.get("password2")
            and cleaned["password1"] != cleaned["password2"]
        ):
            self.add_error("password2", _("The two passwords do not match."))
        return cleaned
