"""Forms for session logs: the log itself (themes, what was said, action ideas) and the note a
facilitator writes when sending a log back to draft."""

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Layout, Submit
from django import forms
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from ..models import SafetyCategory, SafetySeverity
from ..selectors.logs import names_note
from ..services.logs import (
    MAX_IDEA,
    MAX_IDEAS,
    MAX_TEXT,
    MAX_THEME,
    MAX_THEMES,
    TEXT_FIELDS,
    clean_lines,
    contains_a_name,
    name_error,
)


def _area(rows=3, **attrs):
    return forms.Textarea(attrs={"rows": rows, **attrs})


def _log_text(label, rows=3, help_text=""):
    """One of the log's free texts (TEXT_FIELDS): optional, at most MAX_TEXT characters."""
    return forms.CharField(
        label=label, required=False, max_length=MAX_TEXT, widget=_area(rows), help_text=help_text
    )


class SessionLogForm(forms.Form):
    themes = forms.MultipleChoiceField(
        label=_("Themes"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Themes other circles of this initiative have used."),
    )
    new_themes = forms.CharField(
        label=_("New themes, one per line"),
        required=False,
        widget=_area(2),
    )
    agreements = _log_text(_("Where the group agreed"))
    disagreements = _log_text(_("Where people disagreed"))
    open_questions = _log_text(_("Open questions"))
    action_ideas = forms.CharField(
        label=_("Action ideas, one per line"),
        required=False,
        widget=_area(5),
        help_text=_("Each line is saved as its own idea for the action forum."),
    )
    group_dynamics = _log_text(
        _("Group dynamics"),
        rows=2,
        help_text=_("How the conversation went: who found it hard to speak up, tensions, trust."),
    )
    safety_concerns = _log_text(
        _("Safety concerns"),
        rows=2,
        help_text=_(
            "Seen only by organizers and this circle's facilitators and recorder. Saving it "
            "opens a safety case: they are emailed at once."
        ),
    )
    # What a safety concern's case is (guides/services/safety.py): always sent by the page;
    # missing from a post, the kind is "other" and the severity "medium".
    safety_category = forms.ChoiceField(
        label=_("Kind of safety concern"),
        required=False,
        choices=SafetyCategory.choices,
        initial=SafetyCategory.OTHER,
    )
    safety_severity = forms.ChoiceField(
        label=_("How serious is it?"),
        required=False,
        choices=SafetySeverity.choices,
        initial=SafetySeverity.MEDIUM,
    )

    def __init__(self, *args, theme_choices, names, log=None, **kwargs):
        # The view opens an unbound form with the stored log (`initial_for`).
        super().__init__(*args, **kwargs)
        self.names = names
        choices = list(theme_choices)
        known = {choice.casefold() for choice in choices}
        for theme in (log.themes if log is not None else []) or []:
            if theme.casefold() not in known:
                choices.append(theme)
                known.add(theme.casefold())
        self.fields["themes"].choices = [(theme, theme) for theme in choices]
        if not choices:
            self.fields["themes"].help_text = _(
                "No themes yet: add this meeting's themes below, one per line."
            )
        self.helper = FormHelper()
        self.helper.layout = Layout(
            HTML(
                '<div class="alert alert-warning small" role="note">'
                + escape(names_note())
                + "</div>"
            ),
            "themes" if choices else HTML(""),
            "new_themes",
            "agreements",
            "disagreements",
            "open_questions",
            "action_ideas",
            "group_dynamics",
            "safety_concerns",
            Div(
                Div("safety_category", css_class="col-sm-6"),
                Div("safety_severity", css_class="col-sm-6"),
                css_class="row",
            ),
            Div(
                # StrictButton: crispy's Submit always adds btn-primary, which hides outline text.
                StrictButton(
                    _("Save draft"), type="submit", name="save", css_class="btn-outline-primary"
                ),
                Submit("submit_log", _("Save and submit for approval")),
                css_class="d-flex flex-wrap gap-2",
            ),
        )
        if not choices:
            del self.fields["themes"]

    @staticmethod
    def initial_for(log) -> dict:
        initial = {name: getattr(log, name) for name in TEXT_FIELDS}
        initial["themes"] = list(log.themes or [])
        initial["action_ideas"] = "\n".join(idea.text for idea in log.action_ideas.all())
        case = getattr(log, "safety_case", None)
        if case is not None:
            initial.update(safety_category=case.category, safety_severity=case.severity)
        return initial

    def clean_new_themes(self):
        themes = clean_lines(self.cleaned_data["new_themes"], max_length=MAX_THEME + 1)
        if any(len(theme) > MAX_THEME for theme in themes):
            raise forms.ValidationError(
                _("Keep each theme under %(n)d characters."), params={"n": MAX_THEME}
            )
        return themes

    def clean_action_ideas(self):
        ideas = clean_lines(self.cleaned_data["action_ideas"], max_length=MAX_IDEA + 1)
        if any(len(idea) > MAX_IDEA for idea in ideas):
            raise forms.ValidationError(
                _("Keep each idea under %(n)d characters."), params={"n": MAX_IDEA}
            )
        if len(ideas) > MAX_IDEAS:
            raise forms.ValidationError(
                _("Record at most %(n)d action ideas per meeting."), params={"n": MAX_IDEAS}
            )
        return ideas

    def clean(self):
        cleaned = super().clean()
        for name in [*TEXT_FIELDS, "new_themes", "action_ideas"]:
            value = cleaned.get(name)
            if value is None:
                continue
            texts = value if isinstance(value, list) else [value]
            if any(contains_a_name(text, self.names) for text in texts):
                self.add_error(name, name_error())
        if len(self.all_themes()) > MAX_THEMES:
            self.add_error(
                "new_themes",
                forms.ValidationError(_("Choose at most %(n)d themes."), params={"n": MAX_THEMES}),
            )
        return cleaned

    def all_themes(self) -> list[str]:
        chosen = list(self.cleaned_data.get("themes") or [])
        return clean_lines(
            chosen + list(self.cleaned_data.get("new_themes") or []), max_length=MAX_THEME
        )

    def service_data(self) -> dict:
        data = self.cleaned_data
        return {
            "themes": self.all_themes(),
            **{name: data[name] for name in TEXT_FIELDS},
            "safety_category": data["safety_category"] or SafetyCategory.OTHER,
            "safety_severity": data["safety_severity"] or SafetySeverity.MEDIUM,
            "action_ideas": data["action_ideas"],
        }


class ReturnLogForm(forms.Form):
    note = forms.CharField(
        label=_("What should change?"),
        max_length=2000,
        widget=_area(3),
        help_text=_("The recorder sees this note with the draft."),
    )

    def __init__(self, *args, names=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.names = list(names)

    def clean_note(self):
        note = self.cleaned_data["note"].strip()
        if contains_a_name(note, self.names):
            raise forms.ValidationError(name_error())
        return note
