"""Forms for the guide library (adapting a guide and its sessions) and training records.

An agenda is typed as one item per line, "minutes | title"; questions one per line. A line
that can't be read is a field error naming the line, and the typed text is kept.
"""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Layout, Submit
from django import forms
from django.conf import settings
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _

from dialogue_hub.forms import DateInput

from ..selectors.library import initiative_today, trainable_team
from ..services.library import MAX_AGENDA_ITEMS, MAX_MINUTES, MAX_QUESTIONS


def format_agenda(agenda) -> str:
    return "\n".join(
        f"{item.get('minutes', '')} | {item.get('title', '')}" for item in agenda or []
    )


def format_questions(questions) -> str:
    return "\n".join(questions or [])


class AgendaField(forms.CharField):
    """A textarea of "minutes | title" lines, cleaned to [{"title", "minutes"}]."""

    widget = forms.Textarea(attrs={"rows": 7})

    def to_python(self, value):
        text = super().to_python(value) or ""
        # CharField checks for NUL on what to_python returns: a list here, which hides it.
        ProhibitNullCharactersValidator()(text)
        items = []
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if not line:
                continue
            minutes, bar, title = line.partition("|")
            minutes, title = minutes.strip(), title.strip()
            if not bar or not title or not minutes.isdigit():
                raise forms.ValidationError(
                    _("Line %(n)d: write the minutes, a bar, then the title, e.g. “15 | Welcome”."),
                    code="agenda_line",
                    params={"n": number},
                )
            if not 0 < int(minutes) <= MAX_MINUTES:
                raise forms.ValidationError(
                    _("Line %(n)d: an agenda item lasts from 1 to %(max)d minutes."),
                    code="agenda_minutes",
                    params={"n": number, "max": MAX_MINUTES},
                )
            if len(title) > 200:
                raise forms.ValidationError(
                    _("Line %(n)d: keep the title under 200 characters."),
                    code="agenda_title",
                    params={"n": number},
                )
            items.append({"title": title, "minutes": int(minutes)})
        if len(items) > MAX_AGENDA_ITEMS:
            raise forms.ValidationError(
                _("An agenda can have at most %(n)d items."), params={"n": MAX_AGENDA_ITEMS}
            )
        return items

    def prepare_value(self, value):
        return format_agenda(value) if isinstance(value, list) else value


class QuestionsField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 6})

    def to_python(self, value):
        text = super().to_python(value) or ""
        ProhibitNullCharactersValidator()(text)  # PostgreSQL refuses NUL, even inside JSON
        questions = [line.strip() for line in text.splitlines() if line.strip()]
        if len(questions) > MAX_QUESTIONS:
            raise forms.ValidationError(
                _("A session can have at most %(n)d questions."), params={"n": MAX_QUESTIONS}
            )
        return questions

    def prepare_value(self, value):
        return format_questions(value) if isinstance(value, list) else value


class GuideForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=settings.LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The languages you will run circles in with this guide."),
        error_messages={"required": _("Choose at least one language.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "title", "description", "languages", Submit("submit", _("Save guide"))
        )


class GuideSessionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    goals = forms.CharField(
        label=_("Goals"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=1, max_value=MAX_MINUTES, initial=120
    )
    agenda = AgendaField(
        label=_("Agenda"),
        required=False,
        help_text=_("One item per line: minutes, a bar, then the title. Example: “15 | Welcome”."),
    )
    questions = QuestionsField(
        label=_("Discussion questions"), required=False, help_text=_("One question per line.")
    )

    def __init__(self, *args, submit_label=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "title",
            "goals",
            Div(Div("duration_minutes", css_class="col-sm-6"), css_class="row"),
            "agenda",
            "questions",
            Submit("submit", submit_label or _("Save session")),
        )

    @staticmethod
    def initial_for(session) -> dict:
        return {
            "title": session.title,
            "goals": session.goals,
            "duration_minutes": session.duration_minutes,
            "agenda": session.agenda,
            "questions": session.questions,
        }


class TraineeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name or obj.email


class TrainingForm(forms.Form):
    user = TraineeChoiceField(
        label=_("Team member"),
        queryset=None,
        empty_label=_("Choose a facilitator or recorder"),
        error_messages={
            "invalid_choice": _(
                "Choose a team member with the facilitator or recorder role in this initiative."
            )
        },
    )
    curriculum = forms.CharField(
        label=_("Curriculum"),
        max_length=200,
        help_text=_("e.g. “Dialogue to change facilitator training, two days”."),
    )
    completed_on = forms.DateField(label=_("Completed on"), widget=DateInput)
    trainer = forms.CharField(label=_("Trainer or organization"), max_length=200, required=False)

    def __init__(self, *args, initiative, **kwargs):
        super().__init__(*args, **kwargs)
        self.initiative = initiative
        self.fields["user"].queryset = trainable_team(initiative=initiative)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "user",
            "curriculum",
            Div(
                Div("completed_on", css_class="col-sm-6"),
                Div("trainer", css_class="col-sm-6"),
                css_class="row",
            ),
            Submit("submit", _("Record training")),
        )

    def clean_curriculum(self):
        curriculum = self.cleaned_data["curriculum"].strip()
        if not curriculum:
            raise forms.ValidationError(_("Say which curriculum the training followed."))
        return curriculum

    def clean_completed_on(self):
        completed_on = self.cleaned_data["completed_on"]
        if completed_on > initiative_today(self.initiative):
            raise forms.ValidationError(
                _("Record a training once it is completed: this date is in the future.")
            )
        return completed_on
