"""Forms for action teams, their members, goals and milestones. Saving goes through
actions.services.teams (team_create, goal_create, milestone_update, …); these only validate
and lay out."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from dialogue_hub.forms import (
    DateInput,
    InitialFromObjectMixin,
    SafeModelMultipleChoiceField,
    UserChoiceField,
    columns,
    optional_row,
    row_checkboxes,
)
from dialogue_hub.translated import LANGUAGE_CODES, TranslatedFieldsMixin, translated
from initiatives.forms import PartnerChoiceField

from ..models import Level, MilestoneStatus
from ..selectors.teams import (
    convener_choices,
    facilitator_choices,
    idea_choices,
    partner_choices,
)
from ..services.teams import HEAVIEST_WEIGHT, LONGEST_CADENCE_DAYS


class ParticipantChoiceField(forms.ModelChoiceField):
    """A participant (a convener, a team member, who offered an asset), by name."""

    def label_from_instance(self, obj):
        return obj.name or str(obj)


class IdeaChoiceField(SafeModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return str(translated(obj, "text"))[:120]


class TeamForm(TranslatedFieldsMixin, forms.Form):
    """An action team; its name and description (shown on the public results page) in each of
    the initiative's languages (`name_en`, …)."""

    translated_fields = ("name", "description")

    name = forms.CharField(label=_("Name"), max_length=200)
    level = forms.ChoiceField(label=_("Level of change"), choices=Level.choices)
    description = forms.CharField(
        label=_("What the team works on"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    ideas = row_checkboxes(
        _("Ideas the team takes up"),
        help_text=_("Open ideas of this initiative (merged duplicates are not listed)."),
        field_class=IdeaChoiceField,
    )
    convener = optional_row(_("Convener"), _("Not chosen yet"), field_class=ParticipantChoiceField)
    facilitator = optional_row(
        _("Neutral facilitator"),
        _("Not chosen yet"),
        help_text=_("A member of the initiative's team with the facilitator role."),
        field_class=UserChoiceField,
    )
    update_every_days = forms.IntegerField(
        label=_("Expected progress update every (days)"),
        min_value=1,
        max_value=LONGEST_CADENCE_DAYS,
        initial=30,
    )
    is_public = forms.BooleanField(label=_("Show on the public results page"), required=False)

    def __init__(self, *args, initiative, team=None, show_convener=True, submit_label=None, **kw):
        super().__init__(*args, first_language=initiative.default_language, **kw)
        self.fields["ideas"].queryset = idea_choices(initiative=initiative, team=team)
        self.fields["convener"].queryset = convener_choices(initiative=initiative, team=team)
        self.fields["facilitator"].queryset = facilitator_choices(initiative=initiative)
        if not show_convener:
            # Roles that may not see participants' names keep the current convener unchanged.
            del self.fields["convener"]
        self.helper = FormHelper()
        self.helper.layout = Layout(
            *self.translated_names("name"),
            columns("level", "update_every_days"),
            *self.translated_names("description"),
            "ideas",
            *(["convener"] if show_convener else []),
            "facilitator",
            "is_public",
            Submit("submit", submit_label or _("Save team")),
        )

    @staticmethod
    def initial_for(team) -> dict:
        return {
            **{
                f"{field}_{code}": getattr(team, f"{field}_{code}", None) or ""
                for field in TeamForm.translated_fields
                for code in LANGUAGE_CODES
            },
            "level": team.level,
            "ideas": list(team.ideas.values_list("pk", flat=True)),
            "convener": team.convener_id,
            "facilitator": team.facilitator_id,
            "update_every_days": team.update_every_days,
            "is_public": team.is_public,
        }

    def service_data(self, team=None) -> dict:
        data = self.cleaned_data
        return {
            **{
                name: data.get(name) or ""
                for field in self.translated_fields
                for name in self.translated_names(field)
            },
            "level": data["level"],
            "ideas": list(data.get("ideas") or []),
            "convener": data["convener"]
            if "convener" in self.fields
            else (team.convener if team is not None else None),
            "facilitator": data.get("facilitator"),
            "update_every_days": data["update_every_days"],
            "is_public": data.get("is_public", False),
        }


class MemberParticipantForm(forms.Form):
    participant = ParticipantChoiceField(label=_("Participant"), queryset=None)

    def __init__(self, *args, initiative, **kwargs):
        super().__init__(*args, prefix="person", **kwargs)
        self.fields["participant"].queryset = convener_choices(initiative=initiative).order_by(
            "name", "pk"
        )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout("participant")


class MemberOrganizationForm(forms.Form):
    organization = PartnerChoiceField(label=_("Partner organization"), queryset=None)

    def __init__(self, *args, initiative, **kwargs):
        super().__init__(*args, prefix="org", **kwargs)
        self.fields["organization"].queryset = partner_choices(initiative=initiative)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout("organization")


class GoalForm(InitialFromObjectMixin, forms.Form):
    title = forms.CharField(label=_("Goal"), max_length=200)
    indicator = forms.CharField(
        label=_("Indicator"),
        max_length=200,
        required=False,
        help_text=_("How you will know, e.g. “youth members on the advisory board”."),
    )
    baseline = forms.CharField(label=_("Baseline"), max_length=100, required=False)
    target = forms.CharField(label=_("Target"), max_length=100, required=False)
    due_on = forms.DateField(label=_("Due"), required=False, widget=DateInput())
    owner = forms.CharField(
        label=_("Owner"),
        max_length=150,
        required=False,
        help_text=_("Who answers for this goal (a role or an organization is fine)."),
    )

    def __init__(self, *args, submit_label=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "title",
            "indicator",
            columns("baseline", "target"),
            columns("due_on", "owner"),
            Submit("submit", submit_label or _("Save goal")),
        )


class MilestoneForm(InitialFromObjectMixin, forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=200)
    due_on = forms.DateField(label=_("Due"), required=False, widget=DateInput())
    status = forms.ChoiceField(
        label=_("Status"), choices=MilestoneStatus.choices, initial=MilestoneStatus.PLANNED
    )
    weight = forms.IntegerField(
        label=_("Weight (optional)"),
        min_value=1,
        max_value=HEAVIEST_WEIGHT,
        required=False,
        help_text=_(
            "Leave empty to count every milestone of the goal equally; a weight of 2 counts "
            "twice as much as an unweighted milestone."
        ),
    )

    def __init__(self, *args, submit_label=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "title",
            columns("due_on", "status", "weight", css_class="col-sm-4"),
            Submit("submit", submit_label or _("Save milestone")),
        )
