"""Forms for progress updates, outcomes and community assets."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from dialogue_hub.exceptions import DomainError
from dialogue_hub.forms import DateInput, SafeModelMultipleChoiceField
from initiatives.selectors import coalition_members

from ..models import CommunityAsset, MilestoneStatus, Outcome
from ..selectors.progress import initiative_goals, initiative_today, offering_participants
from ..services.progress import ASSET_FIELDS, OUTCOME_FIELDS, parse_evidence_links

MILESTONE_PREFIX = "milestone_"


class PartnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.organization.name


class ParticipantChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name or str(obj)


class TeamChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class GoalChoiceField(SafeModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.team.name}: {obj.title}"


class ProgressUpdateForm(forms.Form):
    narrative = forms.CharField(
        label=_("What happened since the last update"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=10_000,
    )
    blockers = forms.CharField(
        label=_("Blockers (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5_000,
        help_text=_("What is in the way, and what help the team needs."),
    )
    evidence_links = forms.CharField(
        label=_("Evidence links (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=12_000,
        help_text=_("One web address per line: minutes, photos, news stories, documents."),
    )

    def __init__(self, *args, milestones, **kwargs):
        super().__init__(*args, **kwargs)
        self.milestones = list(milestones)
        names = []
        for milestone in self.milestones:
            name = f"{MILESTONE_PREFIX}{milestone.pk}"
            self.fields[name] = forms.ChoiceField(
                label=f"{milestone.goal.title}: {milestone.title}",
                choices=MilestoneStatus.choices,
                initial=milestone.status,
            )
            names.append(name)
        self.helper = FormHelper()
        parts = ["narrative", "blockers", "evidence_links"]
        if names:
            parts.append(Fieldset(_("Milestone status"), *names))
        self.helper.layout = Layout(*parts, Submit("submit", _("Post update")))

    def clean_evidence_links(self):
        # Checked here too, so a bad link is shown with the form's other errors at once.
        try:
            return parse_evidence_links(self.cleaned_data["evidence_links"])
        except DomainError as error:
            raise forms.ValidationError(error.message) from error

    def statuses(self) -> dict[int, str]:
        return {
            milestone.pk: self.cleaned_data[f"{MILESTONE_PREFIX}{milestone.pk}"]
            for milestone in self.milestones
        }


class OutcomeForm(forms.ModelForm):
    team = TeamChoiceField(
        label=_("Action team (optional)"),
        queryset=None,
        required=False,
        empty_label=_("No team"),
    )
    evidence_url = forms.URLField(
        label=_("Evidence link (optional)"),
        required=False,
        max_length=200,
        assume_scheme="https",
        help_text=_("A news story, council minutes, a program page."),
    )

    class Meta:
        model = Outcome
        fields = OUTCOME_FIELDS  # what outcome_update writes
        widgets = {
            "happened_on": DateInput,
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, initiative, submit_label=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.initiative = initiative
        self.fields["team"].queryset = initiative.action_teams.order_by("name")
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Div(
                Div("kind", css_class="col-sm-6"),
                Div("level", css_class="col-sm-6"),
                css_class="row",
            ),
            "title",
            "description",
            Div(
                Div("happened_on", css_class="col-sm-6"),
                Div("team", css_class="col-sm-6"),
                css_class="row",
            ),
            "evidence_url",
            "is_public",
            Submit("submit", submit_label or _("Save")),
        )

    def clean_happened_on(self):
        happened_on = self.cleaned_data["happened_on"]
        if happened_on > initiative_today(self.initiative):
            raise forms.ValidationError(
                _("Record an outcome once it has happened: this date is in the future.")
            )
        return happened_on

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields}


class AssetForm(forms.ModelForm):
    partner = PartnerChoiceField(
        label=_("Offered by a partner (optional)"),
        queryset=None,
        required=False,
        empty_label=_("No partner"),
    )
    offered_by = ParticipantChoiceField(
        label=_("Offered by a participant (optional)"),
        queryset=None,
        required=False,
        empty_label=_("No participant"),
    )

    class Meta:
        model = CommunityAsset
        fields = ASSET_FIELDS  # what asset_update writes
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, initiative, show_participants: bool, submit_label=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = coalition_members(initiative=initiative)
        parts = ["kind", "name", "description", "partner"]
        if show_participants:
            self.fields["offered_by"].queryset = offering_participants(initiative=initiative)
            parts.append("offered_by")
        else:
            # Staff without the roster never see (or change) who offered an asset.
            del self.fields["offered_by"]
        self.helper = FormHelper()
        self.helper.layout = Layout(*parts, Submit("submit", submit_label or _("Save")))

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields}


class AssetGoalsForm(forms.Form):
    goals = GoalChoiceField(
        label=_("Goals that build on this asset"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, initiative, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["goals"].queryset = initiative_goals(initiative=initiative)
        self.helper = FormHelper()
        self.helper.form_tag = False  # the page wraps it in a form posting to asset_goals
        self.helper.layout = Layout("goals", Submit("submit", _("Save links")))
