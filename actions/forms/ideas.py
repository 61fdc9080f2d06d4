"""Forms for action ideas and themes: add or edit an idea, a theme, put ideas under a theme,
merge duplicates. Choices are always scoped to the initiative; saving goes through
actions.services.ideas."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from dialogue_hub.forms import SafeModelMultipleChoiceField, optional_row
from dialogue_hub.translated import TranslatedFieldsMixin, ordering, translated

from ..models import Level, Theme
from ..selectors.ideas import open_ideas
from ..services.ideas import MAX_IDEA_TEXT


def _helper(label) -> FormHelper:
    helper = FormHelper()
    helper.add_input(Submit("submit", label))
    return helper


def _idea_label(idea) -> str:
    """An idea by its number and its text, cut to 120 characters."""
    text = str(translated(idea, "text"))
    text = text if len(text) <= 120 else text[:119] + "…"
    return f"#{idea.pk} {text}"


class IdeaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _idea_label(obj)


class IdeaMultipleChoiceField(SafeModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return _idea_label(obj)


class IdeaForm(TranslatedFieldsMixin, forms.Form):
    """An idea, worded in each of the initiative's languages (`text_en`, …)."""

    translated_fields = ("text",)

    text = forms.CharField(
        label=_("Idea"),
        max_length=MAX_IDEA_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What could change, and who could change it. No names of participants."),
    )
    theme = forms.ModelChoiceField(
        label=_("Theme"), queryset=Theme.objects.none(), required=False, empty_label=_("No theme")
    )
    level = forms.ChoiceField(
        label=_("Level of change"),
        required=False,
        choices=[("", _("Not decided yet")), *Level.choices],
    )

    def __init__(self, *args, initiative, submit_label=None, **kwargs):
        super().__init__(*args, first_language=initiative.default_language, **kwargs)
        self.fields["theme"].queryset = Theme.objects.filter(initiative=initiative)
        self.helper = _helper(submit_label or _("Add idea"))


class ThemeForm(TranslatedFieldsMixin, forms.Form):
    """A theme; its name and description in each of the initiative's languages."""

    translated_fields = ("name", "description")

    name = forms.CharField(label=_("Theme name"), max_length=150)
    description = forms.CharField(
        label=_("Description (optional)"),
        required=False,
        max_length=2_000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, submit_label=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(submit_label or _("Create theme"))


class AssignThemeForm(forms.Form):
    ideas = SafeModelMultipleChoiceField(
        label=_("Ideas"),
        queryset=None,
        error_messages={"required": _("Tick at least one idea.")},
    )
    theme = optional_row(_("Theme"), _("No theme"))

    def __init__(self, *args, initiative, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ideas"].queryset = open_ideas(initiative=initiative)
        self.fields["theme"].queryset = Theme.objects.filter(initiative=initiative)


class MergeForm(forms.Form):
    kept = IdeaChoiceField(
        label=_("Keep this idea"),
        queryset=None,
        empty_label=_("Choose the idea to keep"),
        help_text=_("The kept idea gathers the sources of the ideas merged into it."),
    )
    merged = IdeaMultipleChoiceField(
        label=_("Merge these duplicates into it"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick at least one idea to merge.")},
    )
    text = forms.CharField(
        label=_("Wording of the kept idea (optional)"),
        required=False,
        max_length=MAX_IDEA_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Leave empty to keep its wording as it is."),
    )

    def __init__(self, *args, initiative, **kwargs):
        super().__init__(*args, **kwargs)
        ideas = open_ideas(initiative=initiative).order_by(ordering("text"), "pk")
        self.fields["kept"].queryset = ideas
        self.fields["merged"].queryset = ideas
        self.helper = _helper(_("Merge ideas"))

    def clean(self):
        data = super().clean()
        kept, merged = data.get("kept"), data.get("merged")
        if kept and merged and kept in merged:
            self.add_error("merged", _("An idea cannot be merged into itself."))
        return data
