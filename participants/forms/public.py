"""Forms a participant (or their guardian) fills in: registration, changes, consents."""

import copy

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Fieldset, Layout, Submit
from crispy_forms.utils import render_crispy_form
from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils import translation
from django.utils.functional import cached_property
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from dialogue_hub import texts
from dialogue_hub.forms import columns
from dialogue_hub.translated import marked_text
from initiatives import cache as initiative_cache

from ..models import (
    AccessibilityNeed,
    AgeBand,
    Channel,
    ConsentKind,
    ContactBy,
    Gender,
    RaceEthnicity,
    RoleCategory,
)
from ..selectors.questions import questions_of
from ..services.registration import DEMOGRAPHIC_FIELDS, PROFILE_FIELDS, UNDER_13_FIELDS
from .questions import add_question_fields, question_data, questions_fieldset

PREFER_NOT = ("prefer_not", _("Prefer not to say"))


def _checkboxes(label, choices, help_text="", required=False):
    return forms.MultipleChoiceField(
        label=label,
        choices=choices,
        widget=forms.CheckboxSelectMultiple,
        required=required,
        help_text=help_text,
    )


class SettingsAwareForm(forms.Form):
    """Takes the initiative's RegistrationSettings (its lists) as `registration_settings`, and
    the initiative's own questions to ask as `questions` (with the person's stored answers as
    `answers`, {question id: value}); the forms that ask them add their fields."""

    def __init__(self, *args, registration_settings=None, questions=(), answers=None, **kwargs):
        self.registration_settings = registration_settings
        self.questions = list(questions)
        self.stored_answers = answers
        self.question_names = []
        super().__init__(*args, **kwargs)

    def list_choices(self, list_name: str) -> list[tuple[str, str]]:
        """A list's entries, worded in the reader's language or marked as not translated."""
        rs = self.registration_settings
        if rs is None:
            return []
        return [(value, marked_text(label)) for value, label in rs.option_choices(list_name)]

    def question_data(self) -> dict:
        return question_data(self)


TEXTS_FIELDS = ("contact_by", "consent_texts")


def without_texts(form) -> None:
    """On a site without a text provider (`texts.enabled()` False) nobody is offered texts:
    the form neither asks how to reach them nor for the texts consent, and the mobile number
    is a plain optional phone. A field left out is not read (`profile_data`), so a person who
    chose texts before keeps their choice, which takes effect once a provider is set up."""
    if texts.enabled():
        return
    for name in TEXTS_FIELDS:
        form.fields.pop(name, None)
    if "phone" in form.fields:
        form.fields["phone"].help_text = ""


class ProfileFields(SettingsAwareForm):
    """The registration questions, with the initiative's own lists."""

    name = forms.CharField(label=_("Your name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email"), required=False, max_length=254)
    phone = forms.CharField(
        label=_("Mobile number (optional)"),
        max_length=40,
        required=False,
        help_text=_("Only if you would like text messages."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    contact_by = forms.ChoiceField(
        label=_("How should we reach you?"),
        choices=ContactBy.choices,
        initial=ContactBy.EMAIL,
        required=False,
        widget=forms.RadioSelect,
    )
    preferred_language = forms.ChoiceField(
        label=_("Preferred language"), choices=settings.LANGUAGES
    )
    age_band = forms.ChoiceField(
        label=_("Age"),
        choices=[("", "—"), *AgeBand.choices],
        help_text=_("Young people under 18 need a parent or guardian's consent."),
    )
    role_category = forms.ChoiceField(label=_("I am taking part as"), choices=RoleCategory.choices)
    neighborhood = forms.ChoiceField(label=_("Neighborhood"), required=False)
    availability = _checkboxes(_("When can you meet?"), [], _("Pick every time that could work."))
    accessibility_needs = _checkboxes(
        _("What would help you take part?"),
        AccessibilityNeed.choices,
        _("We arrange these for free."),
    )
    accessibility_other = forms.CharField(
        label=_("Tell us more (optional)"), max_length=300, required=False
    )
    offers = forms.CharField(
        label=_("Could you offer skills, time or a space? (optional)"),
        help_text=_(
            "For example: “I can translate”, “our church hall on Tuesdays”, “two hours a week”."
        ),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    how_heard = forms.ChoiceField(
        label=_("How did you hear about the dialogues?"),
        choices=[("", "—"), *Channel.choices],
        required=False,
    )
    guardian_name = forms.CharField(
        label=_("Parent or guardian's name"), max_length=150, required=False
    )
    guardian_email = forms.EmailField(
        label=_("Parent or guardian's email"),
        required=False,
        max_length=254,
        help_text=_("Only for people under 18: we email them to ask for their consent."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        without_texts(self)
        neighborhoods = self.list_choices("neighborhoods")
        self.fields["neighborhood"].choices = [("", "—"), *neighborhoods]
        if not neighborhoods:
            del self.fields["neighborhood"]
        slots = self.list_choices("time_slots")
        self.fields["availability"].choices = slots
        if not slots:
            del self.fields["availability"]

    def clean(self):
        cleaned = super().clean()
        age = cleaned.get("age_band")
        if age in (AgeBand.UNDER_13, AgeBand.AGE_13_17) and not cleaned.get("guardian_email"):
            self.add_error(
                "guardian_email", _("People under 18 need a parent or guardian's email.")
            )
        if age != AgeBand.UNDER_13:
            if not cleaned.get("email") and "email" not in self.errors:
                self.add_error("email", _("Enter your email address."))
            if not (cleaned.get("name") or "").strip():
                self.add_error("name", _("Enter your name."))
        return cleaned

    def profile_data(self):
        """The answers of the fields this form shows: a question the organizers took off the
        form (no neighborhoods or time slots listed any more) is not answered "nothing"."""
        return {
            key: self.cleaned_data.get(key, [] if key in ("availability",) else "")
            for key in PROFILE_FIELDS
            if key in self.fields
        }


class DemographicFields(SettingsAwareForm):
    """Optional, self-identified. Every question can be skipped or answered 'prefer not to say'."""

    race_ethnicity = _checkboxes(
        _("Race and ethnicity (select all that apply)"),
        RaceEthnicity.choices,
        _("Optional. We ask so we can see whether every part of the community is taking part."),
    )
    race_ethnicity_detail = forms.CharField(
        label=_("Details, if you like (for example Mexican, Somali, Lebanese)"),
        max_length=200,
        required=False,
    )
    gender = forms.ChoiceField(
        label=_("Gender"),
        choices=[("", "—"), *Gender.choices],
        required=False,
        help_text=_(
            "Optional. We ask so circles can be balanced and nobody is the only one of their gender."
        ),
    )
    gender_self_description = forms.CharField(
        label=_("I describe myself as"), max_length=100, required=False
    )
    lived_experience = _checkboxes(
        _("Do any of these describe you?"),
        [],
        _(
            "Optional. We ask so the voices of groups often left out are heard, and we can check they are."
        ),
    )
    lived_experience_prefer_not = forms.BooleanField(label=_("Prefer not to say"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        groups = self.list_choices("lived_experience_groups")
        self.fields["lived_experience"].choices = groups
        if not groups:
            del self.fields["lived_experience"]
            del self.fields["lived_experience_prefer_not"]

    def demographic_data(self):
        return {
            key: self.cleaned_data.get(key)
            for key in DEMOGRAPHIC_FIELDS
            if key in self.cleaned_data
        }


TEXTS_CONSENT_HELP = _(
    "Needed to choose text messages above: reminders and news of your registration, at most a "
    "few a month. Reply STOP to end them at any time."
)


class ConsentFields(forms.Form):
    consent_participation = forms.BooleanField(
        label=ConsentKind.PARTICIPATION.label,
        required=False,
        help_text=_("You can withdraw at any time with the private link we email you."),
    )
    consent_evaluation = forms.BooleanField(label=ConsentKind.EVALUATION.label, required=False)
    consent_media = forms.BooleanField(label=ConsentKind.MEDIA.label, required=False)
    consent_contact = forms.BooleanField(label=ConsentKind.CONTACT.label, required=False)
    consent_texts = forms.BooleanField(
        label=ConsentKind.TEXTS.label,
        required=False,
        help_text=TEXTS_CONSENT_HELP,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        without_texts(self)

    def clean_consent_participation(self):
        if not self.cleaned_data.get("consent_participation"):
            raise forms.ValidationError(_("Please agree to take part: it is needed to register."))
        return True

    def consent_kinds(self):
        return {kind for kind in ConsentKind.values if self.cleaned_data.get(f"consent_{kind}")}


PROFILE_LAYOUT = [
    "name",
    "email",
    "phone",
    "contact_by",
    columns("preferred_language", "age_band"),
    "role_category",
    "neighborhood",
    "availability",
    "accessibility_needs",
    "accessibility_other",
    "offers",
    "how_heard",
]
GUARDIAN_LAYOUT = Fieldset(_("Under 18?"), "guardian_name", "guardian_email", css_class="mt-3")
DEMOGRAPHIC_LAYOUT = Fieldset(
    _("About you (optional)"),
    # A lazy string: crispy renders it per request, in the reader's language.
    HTML(
        format_lazy(
            '<p class="small text-secondary">{}</p>',
            _(
                "Only our data steward sees individual answers. Everyone else sees totals, "
                "and small numbers are hidden."
            ),
        )
    ),
    *DEMOGRAPHIC_FIELDS,
    css_class="mt-3",
)


def _present(form, items):
    """Keep only layout items whose field exists on this form (lists can be switched off, and
    some forms drop fields), inside containers too (Div, Fieldset): crispy-forms would log
    "Could not resolve form field" for each missing one (and raise under test settings)."""
    kept = []
    for item in items:
        if isinstance(item, str):
            if item in form.fields:
                kept.append(item)
        elif hasattr(item, "fields"):
            container = copy.copy(item)
            container.fields = _present(form, item.fields)
            if any(not isinstance(child, HTML) for child in container.fields):
                kept.append(container)
        else:
            kept.append(item)
    return kept


# The registration form for a child under 13 is the guardian's part alone: everything else
# sits in parts marked HIDE_UNDER_13, which static/css/app.css hides without JavaScript (CSS
# `:has()` on the chosen age) and static/js/registration.js also disables (so it is not sent).
# The server keeps none of it for an under-13 in any case (services.UNDER_13_FIELDS).
HIDE_UNDER_13 = "dh-not-under-13"
ONLY_UNDER_13 = "dh-only-under-13"


class RegistrationForm(ConsentFields, DemographicFields, ProfileFields):
    """The public registration form. The page renders the <form> tag and its CSRF token
    itself (`form_tag = False`), so the blank form's fields can be cached
    (`blank_registration_form_html`)."""

    # No `required` attribute in the HTML: a required question of the initiative's own sits in
    # the part a child under 13 is not asked, which CSS alone hides without JavaScript, and a
    # hidden required field stops the browser from sending the guardian's part. The server
    # checks what is required (clean(), the services) and says so next to the field.
    use_required_attribute = False

    def __init__(self, *args, table_mode=False, **kwargs):
        super().__init__(*args, **kwargs)
        # Not asked of a child under 13 (hidden and not sent): required in clean() otherwise.
        self.fields["role_category"].required = False
        add_question_fields(self, self.questions)
        if table_mode:
            # At a sign-up table (views/table.py) the event is how they heard, and the shared
            # browser must neither offer one person's answers to the next nor keep them.
            del self.fields["how_heard"]
            for field in self.fields.values():
                field.widget.attrs["autocomplete"] = "off"

    @cached_property
    def helper(self):
        """Built when the form is rendered, not for a post that redirects. The age comes
        first: for a child under 13, the guardian's part is all that is asked."""
        helper = FormHelper()
        helper.form_tag = False
        # The page's own <form> holds the CSRF token: the (cached) fields never hold one.
        helper.disable_csrf = True
        helper.layout = Layout(
            *_present(
                self,
                [
                    Fieldset(
                        _("About you"),
                        columns("preferred_language", "age_band"),
                        HTML(
                            format_lazy(
                                '<p class="alert alert-info {}" role="note">{}</p>',
                                ONLY_UNDER_13,
                                _(
                                    "Under 13: we need only your parent or guardian's name and "
                                    "email now. We ask them for their consent, and they give us "
                                    "the rest of your details."
                                ),
                            )
                        ),
                        Div(
                            *[
                                item
                                for item in PROFILE_LAYOUT
                                if not isinstance(item, Div)  # the language and age, above
                            ],
                            css_class=HIDE_UNDER_13,
                        ),
                    ),
                    GUARDIAN_LAYOUT,
                    Div(questions_fieldset(self.question_names), css_class=HIDE_UNDER_13),
                    Div(DEMOGRAPHIC_LAYOUT, css_class=HIDE_UNDER_13),
                    Fieldset(
                        _("Your consent"),
                        "consent_participation",
                        Div(
                            "consent_evaluation",
                            "consent_media",
                            "consent_contact",
                            "consent_texts",
                            css_class=HIDE_UNDER_13,
                        ),
                        css_class="mt-3",
                    ),
                ],
            ),
            Submit("submit", _("Register"), css_class="btn-lg mt-2"),
        )
        return helper

    @property
    def under_13(self) -> bool:
        return self.cleaned_data.get("age_band") == AgeBand.UNDER_13

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("age_band") == AgeBand.UNDER_13:
            # Nothing but the guardian's part is kept: a hidden answer must not block it.
            for name in list(self.errors):
                if name not in (*UNDER_13_FIELDS, "consent_participation", NON_FIELD_ERRORS):
                    del self.errors[name]
        elif not cleaned.get("role_category") and "role_category" not in self.errors:
            self.add_error("role_category", self.fields["role_category"].error_messages["required"])
        return cleaned

    def profile_data(self):
        data = super().profile_data()
        if self.under_13:
            return {key: data[key] for key in UNDER_13_FIELDS}
        return data

    def demographic_data(self):
        return {} if self.under_13 else super().demographic_data()

    def question_data(self):
        return {} if self.under_13 else super().question_data()

    def consent_kinds(self):
        kinds = super().consent_kinds()
        return kinds & {ConsentKind.PARTICIPATION} if self.under_13 else kinds


# Part of the cached form's key: a new layout is not served from a previous release's cache.
LAYOUT_VERSION = "5"


def blank_registration_form_html(
    *, registration_settings, language: str, table_mode: bool = False
) -> str:
    """The fields of an unbound RegistrationForm, rendered by crispy-forms, from the cache.

    They are the same for every visitor of an initiative in one language: nothing in them is
    per visitor (the CSRF token and any referral are outside them, in the page or the session).
    The key holds the settings row's `updated_at`, which every change of its lists (neighborhoods,
    time slots, groups) and of the initiative's own questions moves, and the language: the
    person's, which is also the prefilled preferred language; and whether it is a sign-up
    table's form (no autofill, no "how did you hear"). A form with errors is never cached (it
    holds what the person typed).
    """
    rs = registration_settings
    key = ":".join(
        [
            "registration-form",
            LAYOUT_VERSION,
            str(rs.initiative_id),
            str(rs.pk),
            rs.updated_at.isoformat(),
            rs.initiative.default_language,  # which lists' wording is a fallback
            language,
            translation.get_language() or "",
            "table" if table_mode else "public",
            "texts" if texts.enabled() else "no-texts",  # whether texts are offered
        ]
    )
    html = cache.get(key)
    if html is None:
        form = RegistrationForm(
            registration_settings=rs,
            questions=questions_of(rs.initiative, active_only=True),
            initial={"preferred_language": language},
            table_mode=table_mode,
        )
        html = render_crispy_form(form)
        # The timeout bounds memory and how long a previous release's form can be served.
        cache.set(key, html, initiative_cache.TIMEOUT)
    return html


class ManageForm(DemographicFields, ProfileFields):
    """Change answers from the private link (email stays as registered), and the mobile number,
    how to be reached and the texts consent, together (texts need both)."""

    consent_texts = forms.BooleanField(
        label=ConsentKind.TEXTS.label,
        required=False,
        help_text=_(
            "Needed to choose text messages above. Untick it, or remove your number, and we "
            "stop texting you."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].disabled = True
        self.fields["email"].help_text = _(
            "To use another address, delete this registration and register again."
        )
        add_question_fields(self, self.questions, answers=self.stored_answers)
        profile_layout = list(PROFILE_LAYOUT)
        profile_layout.insert(profile_layout.index("contact_by") + 1, "consent_texts")
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset(_("Your answers"), *_present(self, profile_layout)),
            GUARDIAN_LAYOUT,
            *_present(self, [questions_fieldset(self.question_names)]),
            Fieldset(_("About you (optional)"), *_present(self, DEMOGRAPHIC_LAYOUT.fields)),
            Submit("submit", _("Save changes")),
        )

    def clean_age_band(self):
        age = self.cleaned_data["age_band"]
        if age == AgeBand.UNDER_13:
            raise forms.ValidationError(_("Ask your parent or guardian to register you."))
        return age


class ConsentChoicesForm(forms.Form):
    consent_evaluation = forms.BooleanField(label=ConsentKind.EVALUATION.label, required=False)
    consent_media = forms.BooleanField(label=ConsentKind.MEDIA.label, required=False)
    consent_contact = forms.BooleanField(
        label=ConsentKind.CONTACT.label,
        required=False,
        help_text=_("Withdrawing this also removes your phone number."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class GuardianConsentForm(ConsentFields):
    """A parent or guardian consents. For a child under 13 they also give the child's details."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consent_participation"].label = _(
            "I agree that my child takes part in the dialogues"
        )
        self.fields["consent_participation"].help_text = ""
        if "consent_texts" in self.fields:
            self.fields["consent_texts"].label = _(
                "I agree that my child gets text messages at their mobile number"
            )
            self.fields["consent_texts"].help_text = _(
                "Until you agree, we write to your child by email only. They can reply STOP to "
                "end texts at any time."
            )
        self.helper = FormHelper()
        self.helper.form_tag = False


class ChildDetailsForm(DemographicFields, ProfileFields):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ["email", "guardian_name", "guardian_email", "age_band"]:
            del self.fields[name]
        self.fields["name"].label = _("Child's name")
        self.fields["name"].required = True
        self.fields["role_category"].initial = RoleCategory.YOUNG_PERSON
        add_question_fields(self, self.questions)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            *_present(self, PROFILE_LAYOUT),
            *_present(self, [questions_fieldset(self.question_names)]),
            *_present(self, DEMOGRAPHIC_LAYOUT.fields),
        )

    def clean(self):
        return forms.Form.clean(self)


class ManageLinkRequestForm(forms.Form):
    email = forms.EmailField(label=_("The email address you registered with"), max_length=254)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout("email", Submit("submit", _("Email me my link")))
