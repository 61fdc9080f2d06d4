"""The circle form: name, guide, language, size, time slot, venue or online link, composition
rules, facilitators and recorder. Saving goes through guides.services.circles (circle_create,
circle_update)."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Fieldset, Layout, Submit
from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dialogue_hub.forms import DateTimeInput, columns, optional_row
from dialogue_hub.translated import LANGUAGE_CODES, TranslatedFieldsMixin
from initiatives.models import Role

from ..models import CircleRole
from ..selectors.circles import (
    CIRCLE_TEXTS,
    DEFAULT_MAX_SIZE,
    DEFAULT_MIN_SIZE,
    LARGEST_CIRCLE,
    ROLE_LABELS,
    RULE_ROLES,
    circle_problems,
    guides_for_initiative,
    rule_field,
    rules_max_share,
    rules_min_per_role,
    team_members,
)


class TeamMemberField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return str(obj)


class CircleForm(TranslatedFieldsMixin, forms.Form):
    """A circle; its venue and notes for participants in each of the initiative's languages
    (the first one is the original, see dialogue_hub/translated.py)."""

    translated_fields = CIRCLE_TEXTS

    name = forms.CharField(label=_("Name"), max_length=120)
    guide = optional_row(
        _("Discussion guide"),
        _("No guide yet"),
        help_text=_("One of this initiative's own guides (copy one from the library first)."),
    )
    language = forms.ChoiceField(label=_("Language"))
    min_size = forms.IntegerField(
        label=_("Smallest size"), min_value=1, max_value=LARGEST_CIRCLE, initial=DEFAULT_MIN_SIZE
    )
    max_size = forms.IntegerField(
        label=_("Largest size"), min_value=1, max_value=LARGEST_CIRCLE, initial=DEFAULT_MAX_SIZE
    )
    time_slot = forms.ChoiceField(label=_("Time slot"), required=False)
    first_meeting_at = forms.DateTimeField(
        label=_("First meeting (optional)"), required=False, widget=DateTimeInput()
    )
    venue_name = forms.CharField(label=_("Venue"), max_length=200, required=False)
    venue_address = forms.CharField(label=_("Address"), max_length=300, required=False)
    is_neutral_venue = forms.BooleanField(
        label=_("Neutral venue"),
        required=False,
        help_text=_("Not a police building or a partisan space."),
    )
    is_accessible = forms.BooleanField(label=_("Wheelchair accessible"), required=False)
    online_link = forms.URLField(
        label=_("Online meeting link"), max_length=200, required=False, assume_scheme="https"
    )
    notes = forms.CharField(
        label=_("Notes for participants"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("E.g. which entrance to use, parking, what to bring."),
    )
    max_share_percent = forms.IntegerField(
        label=_("No role category above (%)"),
        min_value=1,
        max_value=100,
        required=False,
        help_text=_(
            "e.g. 50: no group makes up more than half the circle. Leave empty for no limit."
        ),
    )
    facilitator_1 = TeamMemberField(label=_("Facilitator"), queryset=None)
    facilitator_2 = optional_row(
        _("Co-facilitator (optional)"),
        _("No co-facilitator"),
        help_text=_("A pair from different backgrounds is common practice."),
        field_class=TeamMemberField,
    )
    recorder = optional_row(
        _("Recorder"),
        _("No recorder yet"),
        help_text=_("Writes the session logs; a facilitator approves them."),
        field_class=TeamMemberField,
    )

    def __init__(self, *args, initiative, time_slots, circle=None, submit_label=None, **kwargs):
        super().__init__(*args, first_language=initiative.default_language, **kwargs)
        self.initiative = initiative
        self.circle = circle
        self.time_slots = list(time_slots)
        labels = dict(settings.LANGUAGES)
        languages = list(initiative.languages or [])
        if circle is not None and circle.language not in languages:
            languages.append(circle.language)
        self.fields["language"].choices = [(code, labels.get(code, code)) for code in languages]
        slots = list(self.time_slots)
        if circle is not None and circle.time_slot and circle.time_slot not in slots:
            slots.append(circle.time_slot)
        if slots:
            self.fields["time_slot"].required = True
            self.fields["time_slot"].choices = [("", _("Choose a time slot"))] + [
                (slot, slot) for slot in slots
            ]
        else:
            self.fields["time_slot"].choices = [("", _("No time slots yet"))]
            self.fields["time_slot"].help_text = _(
                "Add time slots in the registration settings to choose one here."
            )
        self.fields["guide"].queryset = guides_for_initiative(initiative=initiative)
        facilitators = team_members(initiative=initiative, role=Role.FACILITATOR)
        self.fields["facilitator_1"].queryset = facilitators
        self.fields["facilitator_1"].empty_label = _("Choose a facilitator")
        self.fields["facilitator_2"].queryset = facilitators
        self.fields["recorder"].queryset = team_members(initiative=initiative, role=Role.RECORDER)
        if not facilitators.exists():
            self.fields["facilitator_1"].help_text = _(
                "Nobody on the team has the facilitator role yet: invite facilitators on the "
                "Team page first."
            )
        for role in RULE_ROLES:
            self.fields[rule_field(role)] = forms.IntegerField(
                label=_("At least this many: %(role)s") % {"role": ROLE_LABELS[role]},
                min_value=0,
                max_value=LARGEST_CIRCLE,
                required=False,
            )
        self.fields["first_meeting_at"].help_text = _("In the initiative's time zone (%(tz)s).") % {
            "tz": initiative.timezone
        }
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "name",
            Div(
                Div("guide", css_class="col-sm-8"),
                Div("language", css_class="col-sm-4"),
                css_class="row",
            ),
            columns("min_size", "max_size", css_class="col-6"),
            columns("time_slot", "first_meeting_at"),
            Fieldset(
                _("Where"),
                HTML(
                    '<p class="small text-secondary">'
                    + str(_("Give a venue, an online link, or both."))
                    + "</p>"
                ),
                *self.translated_names("venue_name"),
                "venue_address",
                "is_neutral_venue",
                "is_accessible",
                "online_link",
                *self.translated_names("notes"),
            ),
            Fieldset(
                _("Composition rules"),
                columns(*[rule_field(role) for role in RULE_ROLES]),
                "max_share_percent",
            ),
            Fieldset(_("Facilitators and recorder"), "facilitator_1", "facilitator_2", "recorder"),
            Submit("submit", submit_label or _("Save circle")),
        )

    @classmethod
    def initial_for(cls, circle) -> dict:
        staff = list(circle.staff.select_related("user").order_by("pk"))
        facilitators = [row.user for row in staff if row.role == CircleRole.FACILITATOR]
        recorders = [row.user for row in staff if row.role == CircleRole.RECORDER]
        share = rules_max_share(circle.rules)
        mins = rules_min_per_role(circle.rules)
        initial = {
            "name": circle.name,
            "guide": circle.guide_id,
            "language": circle.language,
            "min_size": circle.min_size,
            "max_size": circle.max_size,
            "time_slot": circle.time_slot,
            "first_meeting_at": timezone.localtime(circle.first_meeting_at)
            if circle.first_meeting_at
            else None,
            **{
                f"{field}_{code}": getattr(circle, f"{field}_{code}", None) or ""
                for field in CIRCLE_TEXTS
                for code in LANGUAGE_CODES
            },
            "venue_address": circle.venue_address,
            "is_neutral_venue": circle.is_neutral_venue,
            "is_accessible": circle.is_accessible,
            "online_link": circle.online_link,
            "max_share_percent": round(share * 100) if share else None,
            "facilitator_1": facilitators[0].pk if facilitators else None,
            "facilitator_2": facilitators[1].pk if len(facilitators) > 1 else None,
            "recorder": recorders[0].pk if recorders else None,
        }
        for role in RULE_ROLES:
            initial[rule_field(role)] = mins.get(role) or None
        return initial

    def min_per_role(self) -> dict[str, int]:
        return {role: self.cleaned_data.get(rule_field(role)) or 0 for role in RULE_ROLES}

    def clean(self):
        cleaned = super().clean()
        needed = ["min_size", "max_size"]
        if any(name not in cleaned or cleaned[name] is None for name in needed):
            return cleaned
        problems = circle_problems(
            min_size=cleaned["min_size"],
            max_size=cleaned["max_size"],
            venue_name=cleaned.get(self.translated_names("venue_name")[0], ""),
            online_link=cleaned.get("online_link", "") if "online_link" in cleaned else "x",
            min_per_role=self.min_per_role(),
            max_share_percent=cleaned.get("max_share_percent"),
        )
        for field_name, message in problems:
            if field_name == "venue_name":
                field_name = self.translated_names("venue_name")[0]
            if field_name in self.fields and field_name not in self.errors:
                self.add_error(field_name, message)
        first, second = cleaned.get("facilitator_1"), cleaned.get("facilitator_2")
        if first is not None and second is not None and first.pk == second.pk:
            self.add_error(
                "facilitator_2",
                _(
                    "The same person is chosen twice: pick a different co-facilitator or leave it empty."
                ),
            )
        return cleaned

    def service_data(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "guide": data["guide"],
            "language": data["language"],
            "min_size": data["min_size"],
            "max_size": data["max_size"],
            "time_slot": data["time_slot"] or "",
            "first_meeting_at": data["first_meeting_at"],
            **{name: data[name] for field in CIRCLE_TEXTS for name in self.translated_names(field)},
            "venue_address": data["venue_address"],
            "is_neutral_venue": data["is_neutral_venue"],
            "is_accessible": data["is_accessible"],
            "online_link": data["online_link"],
            "min_per_role": self.min_per_role(),
            "max_share_percent": data["max_share_percent"],
            "facilitators": [data["facilitator_1"], data["facilitator_2"]],
            "recorder": data["recorder"],
            "time_slots": self.time_slots,
        }
