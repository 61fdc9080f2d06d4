"""Forms of the action forum: a ballot (window, dots, items), a dot-vote, a paper vote entered
by staff, and the search for the person whose paper vote is entered. Saving goes through
actions.services.forum (ballot_create/ballot_update/vote_submit)."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from dialogue_hub.forms import DateTimeInput, row_checkboxes
from dialogue_hub.translated import TranslatedFieldsMixin, marked_text

from ..models import BallotKind
from ..selectors.forum import item_choices
from ..services.forum import MAX_DOTS, MIN_DOTS


class BallotForm(TranslatedFieldsMixin, forms.Form):
    """A ballot; its title in each of the initiative's languages (`title_en`, …)."""

    translated_fields = ("title",)

    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(
        label=_("Vote on"), choices=BallotKind.choices, initial=BallotKind.IDEAS
    )
    opens_at = forms.DateTimeField(
        label=_("Voting opens"),
        widget=DateTimeInput(),
        help_text=_("In the initiative's time zone."),
    )
    closes_at = forms.DateTimeField(
        label=_("Voting closes"),
        widget=DateTimeInput(),
        help_text=_("In the initiative's time zone."),
    )
    dots_per_person = forms.IntegerField(
        label=_("Dots per person"), min_value=MIN_DOTS, max_value=MAX_DOTS, initial=3
    )
    themes = row_checkboxes(
        _("Themes on the ballot"), help_text=_("Used when the ballot is on themes.")
    )
    ideas = row_checkboxes(
        _("Ideas on the ballot"),
        help_text=_("Used when the ballot is on ideas. Merged ideas are not listed."),
    )

    def __init__(self, *args, initiative, submit_label=None, **kwargs):
        super().__init__(*args, first_language=initiative.default_language, **kwargs)
        self.fields["themes"].queryset = item_choices(initiative=initiative, kind=BallotKind.THEMES)
        self.fields["ideas"].queryset = item_choices(initiative=initiative, kind=BallotKind.IDEAS)
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", submit_label or _("Save ballot")))

    def clean(self):
        data = super().clean()
        opens_at, closes_at = data.get("opens_at"), data.get("closes_at")
        if opens_at and closes_at and closes_at <= opens_at:
            self.add_error("closes_at", _("Voting must close after it opens."))
        return data

    def item_ids(self) -> list[int]:
        field = "themes" if self.cleaned_data.get("kind") == BallotKind.THEMES else "ideas"
        return [obj.pk for obj in self.cleaned_data.get(field) or []]


class VoteForm(forms.Form):
    """One number field per item (0..dots); the total may not exceed the person's dots."""

    prefix_name = "item_"

    def __init__(self, *args, ballot, dot_map=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.ballot = ballot
        dot_map = dot_map or {}
        for item in ballot.items.all():
            self.fields[f"{self.prefix_name}{item.pk}"] = forms.IntegerField(
                label=marked_text(item.reader_label),  # in the reader's language
                min_value=0,
                max_value=ballot.dots_per_person,
                initial=dot_map.get(item.pk, 0),
                required=False,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )

    def clean(self):
        data = super().clean()
        total = sum(value or 0 for name, value in data.items() if name.startswith(self.prefix_name))
        if total > self.ballot.dots_per_person:
            raise forms.ValidationError(
                _(
                    "You gave %(total)d dots: each person has %(dots)d. Take some away and try again."
                )
                % {"total": total, "dots": self.ballot.dots_per_person}
            )
        return data

    def dots(self) -> dict[int, int]:
        return {
            int(name.removeprefix(self.prefix_name)): value or 0
            for name, value in self.cleaned_data.items()
            if name.startswith(self.prefix_name)
        }


class PaperVoteForm(VoteForm):
    replace = forms.BooleanField(
        label=_("Replace the vote this person already has"),
        required=False,
    )


class VoterSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name or email"),
        max_length=100,
        required=False,
        help_text=_("At least two letters."),
    )
