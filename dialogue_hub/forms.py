from crispy_forms.layout import Div
from django import forms
from django.utils.translation import gettext_lazy as _


class SignupForm(forms.Form):
    """Extra field for allauth's signup: the name shown to the rest of the team."""

    display_name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        help_text=_("How your name appears to your team, for example “Maria Lopez”."),
    )

    field_order = ["display_name", "email", "password1", "password2"]

    def signup(self, request, user):
        user.display_name = self.cleaned_data["display_name"].strip()
        user.save(update_fields=["display_name"])


class DateInput(forms.DateInput):
    """The browser's date picker. Its value is always ISO (2026-11-22), the only one
    <input type="date"> reads: the language's numeric format (22/11/2026 in Spanish) would open
    the field empty and show a numeric date in the page."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    """The browser's date-and-time picker, its value always ISO (2026-11-22T18:30)."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def columns(*names, css_class="col-sm-6") -> Div:
    """A Bootstrap row of fields side by side, one column of width `css_class` each: the pairs
    (start and end date, baseline and target, …) that the forms' layouts put on one line."""
    return Div(*(Div(name, css_class=css_class) for name in names), css_class="row")


class InitialFromObjectMixin:
    """For a plain form that edits one object whose attributes are named as the form's fields
    (a goal, a milestone, a guide's session)."""

    @classmethod
    def initial_for(cls, obj) -> dict:
        """The edit page's initial data: each field's value read off `obj`."""
        return {name: getattr(obj, name) for name in cls.base_fields}


def required_text(text: str, message) -> str:
    """A text the form needs, stripped: `message` is the field's error when nothing is left."""
    text = text.strip()
    if not text:
        raise forms.ValidationError(message)
    return text


def not_in_future(day, *, today, message):
    """The date of something already done (an outcome, a training, an outreach activity):
    `message` is the field's error when it is after `today` (the day where the initiative is)."""
    if day > today:
        raise forms.ValidationError(message)
    return day


def add_domain_error(form, error) -> None:
    """Show a service's DomainError on the form: next to its field when the form has it (a
    text given per language, e.g. `title`, next to its first language's `title_en`)."""
    field = error.field
    if field and field not in form.fields and hasattr(form, "translated_names"):
        field = form.translated_names(field)[0]
    if field and field in form.fields:
        form.add_error(field, error.message)
    else:
        form.add_error(None, error.message)


class SafeModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A multi-select of rows that answers a field error, not a 500, when a posted id is not a
    plain integer the database can hold (e.g. 99999999999999999999 overflows SQLite)."""

    def _check_values(self, value):
        for pk in value:
            text = str(pk)
            if not (text.isascii() and text.isdigit() and 0 < int(text) < 2**63):
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


class UserChoiceField(forms.ModelChoiceField):
    """A user (a member of an initiative's team), by name, or email when they gave no name."""

    def label_from_instance(self, obj):
        return obj.display_name or obj.email


def optional_row(label, empty_label, *, help_text="", field_class=forms.ModelChoiceField):
    """An optional drop-down of the rows the form's __init__ gives the field (the initiative's
    teams, partners, guides, team members), `empty_label` naming the choice of none;
    `field_class` may say how a row is labelled."""
    return field_class(
        label=label,
        queryset=None,
        required=False,
        empty_label=empty_label,
        help_text=help_text,
    )


def row_checkboxes(label, *, help_text="", field_class=SafeModelMultipleChoiceField):
    """Optional checkboxes, one for each row of the queryset the form's __init__ gives the field
    (the initiative's themes, ideas or goals); `field_class` may say how a row is labelled."""
    return field_class(
        label=label,
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=help_text,
    )


class EmailPreferencesForm(forms.Form):
    """Which non-essential emails a person wants; essential ones always go."""

    wanted = forms.MultipleChoiceField(
        label=_("Emails I want"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Confirmations, consent requests, cancellations and changes to your meetings "
            "are always sent."
        ),
    )

    def __init__(self, *args, categories: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["wanted"].choices = list(categories.items())
        from crispy_forms.helper import FormHelper
        from crispy_forms.layout import Submit

        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Save my choices")))


class AccountEmailPreferencesForm(EmailPreferencesForm):
    language = forms.ChoiceField(label=_("Language of my emails"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from django.conf import settings

        self.fields["language"].choices = [(c, _(n)) for c, n in settings.LANGUAGES]
        self.order_fields(["language", "wanted"])


class AccountPreferencesForm(AccountEmailPreferencesForm):
    """The signed-in user's own page: their emails (above) and, if they want them, their meeting
    and notes reminders by text too, to their mobile number (read with `region` as the country
    of a number written without its +code; stored in E.164)."""

    mobile_phone = forms.CharField(
        label=_("Mobile number"),
        max_length=40,
        required=False,
        help_text=_("Only used for the text messages you ask for below."),
    )
    texts_wanted = forms.BooleanField(
        label=_("Send my reminders by text too"),
        required=False,
        help_text=_(
            "Meeting reminders, changes to your meetings and reminders to write up session "
            "notes, by text as well as by email. Reply STOP to any text to end them."
        ),
    )

    def __init__(self, *args, region: str = "US", **kwargs):
        from .texts import enabled

        super().__init__(*args, **kwargs)
        self.region = region
        if not enabled():  # no provider: nobody is offered texts
            del self.fields["mobile_phone"], self.fields["texts_wanted"]
        self.order_fields(["language", "wanted", "mobile_phone", "texts_wanted"])

    def clean_mobile_phone(self) -> str:
        from .texts import InvalidNumber, normalize_number

        try:
            return normalize_number(self.cleaned_data["mobile_phone"], self.region)
        except InvalidNumber:
            raise forms.ValidationError(
                _("This is not a mobile number we can text. Check it, with its country code.")
            ) from None

    def clean(self):
        """Asking for texts needs a number; someone who had them and removes their number
        turns them off (the service does: no number, no texts)."""
        cleaned = super().clean()
        if "texts_wanted" not in self.fields:
            return cleaned
        opting_in = cleaned.get("texts_wanted") and not self.initial.get("texts_wanted")
        if opting_in and not cleaned.get("mobile_phone") and "mobile_phone" not in self.errors:
            self.add_error(
                "mobile_phone", _("Give your mobile number to get your reminders by text.")
            )
        return cleaned
