"""Forms for progress updates, outcomes and community assets."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from dialogue_hub import translated
from dialogue_hub.exceptions import DomainError
from dialogue_hub.forms import (
    DateInput,
    SafeModelMultipleChoiceField,
    columns,
    not_in_future,
    optional_row,
    row_checkboxes,
)
from initiatives.forms import PartnerChoiceField
from initiatives.selectors import coalition_members

from ..models import CommunityAsset, MilestoneStatus, Outcome
from ..selectors.progress import initiative_goals, initiative_today, offering_participants
from ..services.progress import ASSET_FIELDS, OUTCOME_FIELDS, parse_evidence_links
from .teams import ParticipantChoiceField

MILESTONE_PREFIX = "milestone_"


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
    team = optional_row(_("Action team (optional)"), _("No team"), field_class=TeamChoiceField)
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
        self.fields["team"].queryset = initiative.action_teams.order_by(
            translated.ordering("name"), "pk"
        )
        self.helper = FormHelper()
        self.helper.layout = Layout(
            columns("kind", "level"),
            "title",
            "description",
            columns("happened_on", "team"),
            "evidence_url",
            "is_public",
            Submit("submit", submit_label or _("Save")),
        )

    def clean_happened_on(self):
        return not_in_future(
            self.cleaned_data["happened_on"],
            today=initiative_today(self.initiative),
            message=_("Record an outcome once it has happened: this date is in the future."),
        )

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields}


class AssetForm(forms.ModelForm):
    partner = optional_row(
        _("Offered by a partner (optional)"), _("No partner"), field_class=PartnerChoiceField
    )
    offered_by = optional_row(
        _("Offered by a participant (optional)"),
        _("No participant"),
        field_class=ParticipantChoiceField,
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
    goals = row_checkboxes(_("Goals that build on this asset"), field_class=GoalChoiceField)

    def __init__(self, *args, initiative, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["goals"].queryset = initiative_goals(initiative=initiative)
        self.helper = FormHelper()
        self.helper.form_tag = False  # the page wraps it in a form posting to asset_goals
        self.helper.layout = Layout("goals", Submit("submit", _("Save links")))
