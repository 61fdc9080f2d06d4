"""Forms the initiative team uses for participants: registration settings, the roster's
filters, entering a registration on someone's behalf, and importing paper sign-in sheets."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Fieldset, Layout, Submit
from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from dialogue_hub.translated import LANGUAGE_NAMES, languages_in_order
from initiatives.forms import DateInput

from ..models import RegistrationSettings, RoleCategory
from ..selectors.staff import DEFAULT_SORT, RosterFilters
from ..services import imports
from .public import GUARDIAN_LAYOUT, PROFILE_LAYOUT, ConsentFields, ProfileFields, _present
from .questions import add_question_fields, questions_fieldset


def _lines(value: str) -> list[str]:
    """One entry per line, blanks and repeats (ignoring case) dropped, order kept."""
    seen, result = set(), []
    for line in (value or "").splitlines():
        text = " ".join(line.split())
        if text and text.casefold() not in seen:
            seen.add(text.casefold())
            result.append(text)
    return result


def _wording_lines(value) -> list[str]:
    """A translation's lines as typed (blank ones kept: an entry not translated yet), spaces
    folded, trailing blank lines dropped."""
    lines = [" ".join(line.split()) for line in (value or "").splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return lines


class _ListField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 4})

    def __init__(self, *args, max_item_length=100, **kwargs):
        self.max_item_length = max_item_length
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(value)
        return value

    def clean(self, value):
        items = _lines(super().clean(value))
        too_long = [item for item in items if len(item) > self.max_item_length]
        if too_long:
            raise forms.ValidationError(
                _("Keep each line under %(n)d characters."), params={"n": self.max_item_length}
            )
        return items


# More seats than any dialogue has; it keeps a typo like 10**20 from overflowing the column.
MAX_SEATS = 100_000


def cap_field_name(role: str) -> str:
    return f"cap_{role}"


OPTION_LISTS = ("neighborhoods", "time_slots", "lived_experience_groups")


def wording_field_name(list_name: str, language: str) -> str:
    return f"{list_name}_{language}"


class RegistrationSettingsForm(forms.Form):
    """How the initiative registers people. Its lists are written in the initiative's first
    language (what answers store) and may be worded, line for line, in the other languages
    (`time_slots_es`, …), as the consent note may (`consent_note_es`, …)."""

    is_open = forms.BooleanField(
        label=_("Registration is open"),
        required=False,
        help_text=_("The public form accepts sign-ups only while this is on."),
    )
    closes_on = forms.DateField(
        label=_("Registration closes on"),
        required=False,
        widget=DateInput,
        help_text=_("Optional. The last day people can register, in the initiative's time zone."),
    )
    neighborhoods = _ListField(
        label=_("Neighborhoods"), help_text=_("One per line. People choose one when registering.")
    )
    time_slots = _ListField(
        label=_("Time slots"),
        help_text=_(
            "One per line, e.g. “Tuesday evening 6–8 pm”. People tick every one that works."
        ),
    )
    lived_experience_groups = _ListField(
        label=_("Lived-experience groups"),
        help_text=_("One per line, e.g. immigrant, LGBTQ+, disability. Answering is optional."),
    )
    max_participants = forms.IntegerField(
        label=_("Participant cap"),
        required=False,
        min_value=0,
        max_value=MAX_SEATS,
        help_text=_("Leave blank for no cap. Beyond it people join the waiting list."),
    )
    policy_version = forms.CharField(
        label=_("Privacy policy version"),
        max_length=32,
        help_text=_("Stored with every consent, so you know which text each person agreed to."),
    )

    def __init__(self, *args, first_language=None, **kwargs):
        super().__init__(*args, **kwargs)
        languages = languages_in_order(first_language)
        self.first_language, self.other_languages = languages[0], languages[1:]
        wording = {}
        for list_name in OPTION_LISTS:
            base = self.fields[list_name]
            base.label = _("%(field)s (%(language)s)") % {
                "field": base.label,
                "language": LANGUAGE_NAMES[self.first_language],
            }
            for code in self.other_languages:
                name = wording_field_name(list_name, code)
                self.fields[name] = forms.CharField(
                    label=_("Translation (%(language)s)") % {"language": LANGUAGE_NAMES[code]},
                    required=False,
                    # Kept as typed: a blank first line is an entry not translated yet.
                    strip=False,
                    widget=forms.Textarea(attrs={"rows": 4, "lang": code}),
                    help_text=_(
                        "Line for line, in the same order. Left empty, readers of this "
                        "language see the list above, marked as not translated."
                    ),
                )
                wording.setdefault(list_name, []).append(name)
        for code in languages:
            self.fields[f"consent_note_{code}"] = forms.CharField(
                label=_("Note beside the consent boxes (%(language)s)")
                % {"language": LANGUAGE_NAMES[code]},
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 3, "lang": code}),
                help_text=_("Optional, e.g. who sees the answers and how long they are kept.")
                if code == self.first_language
                else "",
            )
        for value, label in RoleCategory.choices:
            self.fields[cap_field_name(value)] = forms.IntegerField(
                label=label, required=False, min_value=0, max_value=MAX_SEATS
            )
        cap_fields = [
            Div(Field(cap_field_name(value)), css_class="col-6 col-md-4")
            for value in RoleCategory.values
        ]
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset(_("Sign-ups"), "is_open", "closes_on", "max_participants"),
            Fieldset(
                _("Lists on the form"),
                *[
                    name
                    for list_name in OPTION_LISTS
                    for name in [list_name, *wording.get(list_name, [])]
                ],
            ),
            Fieldset(
                _("Seats per role (blank: no cap)"),
                Div(*cap_fields, css_class="row"),
                css_class="mt-2",
            ),
            Fieldset(
                _("Consent"),
                "policy_version",
                *[f"consent_note_{code}" for code in languages],
            ),
            Submit("submit", _("Save settings")),
        )

    def clean(self):
        cleaned = super().clean()
        for list_name in OPTION_LISTS:
            entries = cleaned.get(list_name)
            for code in self.other_languages:
                name = wording_field_name(list_name, code)
                raw = _wording_lines(cleaned.get(name))
                lines = [line for line in raw if line]
                if lines and entries is not None:
                    raw = self._realigned(list_name, name, entries, raw)
                    lines = [line for line in raw if line]
                    if lines and len(raw) == len(entries):
                        lines = raw  # a blank line: that entry is not translated yet
                if lines and entries is not None and len(lines) != len(entries):
                    self.add_error(
                        name,
                        ngettext(
                            "Give one line for the %(n)d line above (you gave %(given)d), or "
                            "leave this empty.",
                            "Give one line for each of the %(n)d lines above, in the same order "
                            "(you gave %(given)d), or leave this empty.",
                            len(entries),
                        )
                        % {"n": len(entries), "given": len(lines)},
                    )
                elif any(len(line) > self.fields[list_name].max_item_length for line in lines):
                    self.add_error(
                        name,
                        _("Keep each line under %(n)d characters.")
                        % {"n": self.fields[list_name].max_item_length},
                    )
                else:
                    cleaned[name] = lines
        return cleaned

    def _realigned(self, list_name, name, entries, raw) -> list[str]:
        """The translation `raw` of the list `entries`, kept on its entries when the list
        changed and the translation was sent back as the form showed it: line for line it
        would word another entry (“Jueves” on the slot that replaced Thursday's). Each
        entry still listed keeps its wording; a new one is left untranslated (blank)."""
        shown = _wording_lines(self.initial.get(name))
        before = _lines(self.initial.get(list_name) or "")
        if raw != shown or entries == before or len(shown) != len(before):
            return raw
        wording = {entry.casefold(): line for entry, line in zip(before, shown, strict=True)}
        return [wording.get(entry.casefold(), "") for entry in entries]

    @classmethod
    def initial_for(cls, row: RegistrationSettings, caps: dict[str, int]) -> dict:
        initial = {
            "is_open": row.is_open,
            "closes_on": row.closes_on,
            "neighborhoods": "\n".join(row.neighborhoods),
            "time_slots": "\n".join(row.time_slots),
            "lived_experience_groups": "\n".join(row.lived_experience_groups),
            "max_participants": row.max_participants,
            "policy_version": row.policy_version,
        }
        for code in LANGUAGE_NAMES:
            labels = getattr(row, f"option_labels_{code}", None) or {}
            for list_name in OPTION_LISTS:
                initial[wording_field_name(list_name, code)] = "\n".join(
                    labels.get(list_name) or []
                )
            initial[f"consent_note_{code}"] = getattr(row, f"consent_note_{code}", None) or ""
        initial.update({cap_field_name(role): seats for role, seats in caps.items()})
        return initial

    def settings_data(self) -> dict:
        """What the service saves: the fields, each language's wording of the lists
        (`option_labels_es`: {"time_slots": [...], ...}) and consent notes."""
        data = {
            f"option_labels_{code}": {
                list_name: self.cleaned_data[wording_field_name(list_name, code)]
                for list_name in OPTION_LISTS
                if self.cleaned_data.get(wording_field_name(list_name, code))
            }
            for code in self.other_languages
        }
        for code in [self.first_language, *self.other_languages]:
            data[f"consent_note_{code}"] = self.cleaned_data.get(f"consent_note_{code}") or ""
        return data | {
            key: self.cleaned_data[key]
            for key in [
                "is_open",
                "closes_on",
                "neighborhoods",
                "time_slots",
                "lived_experience_groups",
                "max_participants",
                "policy_version",
            ]
        }

    def caps(self) -> dict[str, int | None]:
        return {
            value: self.cleaned_data.get(cap_field_name(value)) for value in RoleCategory.values
        }


class RosterFilterForm(forms.Form):
    """The roster's filters (GET). An unknown value is ignored, never an error page."""

    q = forms.CharField(label=_("Search name or email"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False)
    role_category = forms.ChoiceField(label=_("Role"), required=False)
    neighborhood = forms.ChoiceField(label=_("Neighborhood"), required=False)
    age_band = forms.ChoiceField(label=_("Age"), required=False)
    source = forms.ChoiceField(label=_("Source"), required=False)
    partner = forms.ChoiceField(label=_("Partner"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False)

    def __init__(self, *args, choices: dict, steward: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        # The initiative's own questions: a sensitive one is the data steward's filter only
        # (filtering on it would tell anyone else who gave which answer).
        self.question_filters = []
        for name, label, sensitive, options in choices.get("questions", []):
            if sensitive and not steward:
                continue
            self.fields[name] = forms.ChoiceField(label=label, choices=options, required=False)
            self.question_filters.append(name)
        for name, options in choices.items():
            if name in self.fields and name not in self.question_filters:
                self.fields[name].choices = options
        if not choices.get("neighborhood") or len(choices["neighborhood"]) <= 1:
            del self.fields["neighborhood"]
        if len(choices.get("partner", [])) <= 1:
            del self.fields["partner"]
        for field in self.fields.values():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select form-select-sm"
            else:
                field.widget.attrs["class"] = "form-control form-control-sm"

    def filters(self) -> RosterFilters:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        partner = data.get("partner")
        return RosterFilters(
            status=data.get("status") or "",
            role_category=data.get("role_category") or "",
            neighborhood=data.get("neighborhood") or "",
            age_band=data.get("age_band") or "",
            source=data.get("source") or "",
            partner=int(partner) if partner else None,
            q=(data.get("q") or "").strip(),
            sort=data.get("sort") or DEFAULT_SORT,
            answers={
                int(name.removeprefix("question_")): data[name]
                for name in self.question_filters
                if data.get(name)
            },
        )


class StaffRegistrationForm(ConsentFields, ProfileFields):
    """Register someone on their behalf (by phone, in person, from a paper form). Demographic
    questions are left to the person: only the data steward may see individual answers, so
    staff do not type them in; the person can add them with their private link."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].label = _("Name")
        self.fields["preferred_language"].label = _("Preferred language")
        self.fields["role_category"].label = _("Taking part as")
        if "availability" in self.fields:
            self.fields["availability"].label = _("When can they meet?")
            self.fields["availability"].help_text = ""
        self.fields["accessibility_needs"].label = _("What would help them take part?")
        self.fields["accessibility_needs"].help_text = ""
        self.fields["accessibility_other"].label = _("Other needs (optional)")
        self.fields["how_heard"].label = _("How did they hear about the dialogues?")
        self.fields["consent_participation"].label = _(
            "They agreed to take part (signed form or spoken consent)"
        )
        self.fields["consent_participation"].help_text = _(
            "Recorded as given on paper, with the current privacy policy version."
        )
        self.fields["consent_evaluation"].label = _("They agree to answer evaluation surveys")
        self.fields["consent_media"].label = _("They agree to be quoted or photographed")
        self.fields["consent_contact"].label = _("They agree to be contacted about future work")
        if "consent_texts" in self.fields:  # not without a text provider (without_texts)
            self.fields["consent_texts"].label = _("They agree to get text messages")
            self.fields["consent_texts"].help_text = _(
                "Needed to choose text messages for them. They can reply STOP at any time."
            )
        # The initiative's own questions, but never a sensitive one (see above).
        add_question_fields(self, [q for q in self.questions if not q.sensitive])
        for name in self.question_names:
            # A required question is the public form's to insist on: the paper sheet or the
            # phone call staff type in may not have its answer (services.registration).
            self.fields[name].required = False
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset(_("The person"), *_present(self, PROFILE_LAYOUT)),
            GUARDIAN_LAYOUT,
            *_present(self, [questions_fieldset(self.question_names)]),
            *_present(
                self,
                [
                    Fieldset(
                        _("Consent"),
                        "consent_participation",
                        "consent_evaluation",
                        "consent_media",
                        "consent_contact",
                        "consent_texts",
                        css_class="mt-3",
                    )
                ],
            ),
            Submit("submit", _("Register")),
        )


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Sign-in sheet (CSV file)"),
        help_text=_(
            "At most 1,000 rows and 2 MB: split bigger sheets into several files. Nothing is "
            "saved until you confirm."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout("file", Submit("submit", _("Check the file")))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > imports.MAX_BYTES:
            raise forms.ValidationError(
                _("The file is too large (at most %(mb)d MB). Split it into smaller files."),
                params={"mb": imports.MAX_BYTES // (1024 * 1024)},
            )
        return upload


class ImportConfirmForm(forms.Form):
    upload = forms.IntegerField(min_value=1)
    digest = forms.CharField(max_length=64)
    expected = forms.IntegerField(min_value=0)
    choice = forms.ChoiceField(choices=[("import", "import"), ("nothing", "nothing")])
