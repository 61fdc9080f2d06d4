"""Forms for the guide library (adapting a guide and its sessions) and training records.

An agenda is typed as one item per line, "minutes | title"; questions one per line. A line
that can't be read is a field error naming the line, and the typed text is kept.
"""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout, Submit
from django import forms
from django.conf import settings
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from dialogue_hub.forms import (
    DateInput,
    InitialFromObjectMixin,
    UserChoiceField,
    columns,
    not_in_future,
    required_text,
)
from dialogue_hub.translated import (
    LANGUAGE_NAMES,
    LOWERCASE_LANGUAGE_NAMES,
    TranslatedFieldsMixin,
    reader_language,
)

from ..selectors.library import initiative_today, trainable_team
from ..services.library import MAX_AGENDA_ITEMS, MAX_MINUTES, MAX_QUESTIONS


class _LinesField(forms.CharField):
    """A textarea of one item per line, cleaned to the list of its items (`items`, at most
    `most`, else the error `too_many`) and showing a list as its lines again (`format_item`)."""

    most: int
    too_many: str

    def items(self, text: str) -> list:
        raise NotImplementedError

    def format_item(self, item) -> str:
        return item

    def to_python(self, value):
        text = super().to_python(value) or ""
        # CharField checks for NUL on what to_python returns: a list here, which hides it.
        ProhibitNullCharactersValidator()(text)  # PostgreSQL refuses NUL, even inside JSON
        items = self.items(text)
        if len(items) > self.most:
            raise forms.ValidationError(self.too_many, params={"n": self.most})
        return items

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(self.format_item(item) for item in value)
        return value


class AgendaField(_LinesField):
    """A textarea of "minutes | title" lines, cleaned to [{"title", "minutes"}]."""

    widget = forms.Textarea(attrs={"rows": 7})
    most = MAX_AGENDA_ITEMS
    too_many = _("An agenda can have at most %(n)d items.")

    def items(self, text):
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
        return items

    def format_item(self, item):
        return f"{item.get('minutes', '')} | {item.get('title', '')}"


class AgendaTitlesField(_LinesField):
    """Another language's agenda: the items' titles, one per line (the minutes are the first
    language's); the form pairs them with the first language's items."""

    most = MAX_AGENDA_ITEMS
    too_many = _("An agenda can have at most %(n)d items.")

    def items(self, text):
        titles = []
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if not line:
                continue
            minutes, bar, title = line.partition("|")
            if bar and minutes.strip().isdigit():  # "15 | Bienvenida": the title is what counts
                line = title.strip()
            if len(line) > 200:
                raise forms.ValidationError(
                    _("Line %(n)d: keep the title under 200 characters."),
                    code="agenda_title",
                    params={"n": number},
                )
            titles.append(line)
        return titles

    def format_item(self, item):
        return item.get("title", "") if isinstance(item, dict) else str(item)


class QuestionsField(_LinesField):
    widget = forms.Textarea(attrs={"rows": 6})
    most = MAX_QUESTIONS
    too_many = _("A session can have at most %(n)d questions.")

    def items(self, text):
        return [line.strip() for line in text.splitlines() if line.strip()]


class GuideForm(TranslatedFieldsMixin, forms.Form):
    """A guide's details; its title and description in each of the initiative's languages."""

    translated_fields = ("title", "description")

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
            *self.translated_names("title"),
            *self.translated_names("description"),
            "languages",
            Submit("submit", _("Save guide")),
        )


class GuideSessionForm(InitialFromObjectMixin, TranslatedFieldsMixin, forms.Form):
    """A guide's session; its title, goals, agenda and questions in each language.

    The agenda is timed in the first language ("minutes | title" lines); another language
    gives the same items' titles, one line each in the same order, and reuses the minutes.
    """

    translated_fields = ("title", "goals", "agenda", "questions")

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
        for name in self.translated_names("agenda")[1:]:
            language = str(LANGUAGE_NAMES[name.rsplit("_", 1)[1]])
            if reader_language() in LOWERCASE_LANGUAGE_NAMES:  # "en inglés"
                language = language.lower()
            self.fields[name] = AgendaTitlesField(
                label=self.fields[name].label,
                required=False,
                widget=forms.Textarea(attrs={"rows": 7, "lang": name.rsplit("_", 1)[1]}),
                help_text=_(
                    "The titles of the same items in %(language)s, one line each in the same "
                    "order, without minutes: the minutes above are used. Leave empty and people "
                    "reading %(language)s see the agenda above, marked as not translated."
                )
                % {"language": language},
            )
        for name in self.translated_names("questions")[1:]:
            self.fields[name].help_text = _(
                "One question per line. Leave empty to show the questions above, marked as "
                "not translated."
            )
        self.helper = FormHelper()
        self.helper.layout = Layout(
            *self.translated_names("title"),
            *self.translated_names("goals"),
            columns("duration_minutes"),
            *self.translated_names("agenda"),
            *self.translated_names("questions"),
            Submit("submit", submit_label or _("Save session")),
        )

    @classmethod
    def initial_for(cls, obj) -> dict:
        """The edit page's initial data, each text in every language (`title_en`, …)."""
        initial = {"duration_minutes": obj.duration_minutes}
        for field in cls.translated_fields:
            for code in LANGUAGE_NAMES:
                value = getattr(obj, f"{field}_{code}", None)
                initial[f"{field}_{code}"] = "" if value is None else value
        return initial

    def clean(self):
        cleaned = super().clean()
        first, *others = self.translated_names("agenda")
        timed = cleaned.get(first)
        for name in others:
            titles = cleaned.get(name)
            if not titles or timed is None:
                cleaned[name] = None if not titles else cleaned.get(name)
                continue
            if len(titles) != len(timed):
                self.add_error(
                    name,
                    ngettext(
                        "Give a title for the %(n)d agenda item above (you gave %(given)d), or "
                        "leave this empty.",
                        "Give one title for each of the %(n)d agenda items above, in the same "
                        "order (you gave %(given)d), or leave this empty.",
                        len(timed),
                    )
                    % {"n": len(timed), "given": len(titles)},
                )
                continue
            cleaned[name] = [
                {"title": title, "minutes": item["minutes"]}
                for title, item in zip(titles, timed, strict=True)
            ]
        return cleaned


class TrainingForm(forms.Form):
    user = UserChoiceField(
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
            columns("completed_on", "trainer"),
            Submit("submit", _("Record training")),
        )

    def clean_curriculum(self):
        return required_text(
            self.cleaned_data["curriculum"], _("Say which curriculum the training followed.")
        )

    def clean_completed_on(self):
        return not_in_future(
            self.cleaned_data["completed_on"],
            today=initiative_today(self.initiative),
            message=_("Record a training once it is completed: this date is in the future."),
        )
