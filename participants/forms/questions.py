"""Forms of the initiative's own registration questions: the organizer's question form (one
input per language for each text), and the fields that ask them on the registration forms
(`add_question_fields`)."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout, Submit
from django import forms
from django.conf import settings
from django.utils.html import escape
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ..models import QuestionKind
from ..selectors.questions import choices_offered, form_value, picked_ids, translated
from ..services.questions import LONG_TEXT_MAX, SHORT_TEXT_MAX, primary_language

SENSITIVE_NOTE = _("Only our data steward sees individual answers to this question.")


def question_field(question, keep=()) -> forms.Field:
    """The form field that asks `question`, in the reader's language (with the retired choices
    in `keep` still offered: the person's own answer)."""
    label = translated(question, "label")
    # Crispy-forms (like Django's own form templates) writes help texts as HTML: an organizer's
    # text is escaped here, so it is shown as typed.
    help_text = translated(question, "help_text")
    if question.sensitive:
        help_text = f"{help_text} {SENSITIVE_NOTE}".strip()
    help_text = escape(help_text)
    common = {"label": label, "help_text": help_text, "required": question.required}
    kind = question.kind
    if kind == QuestionKind.SHORT_TEXT:
        return forms.CharField(max_length=SHORT_TEXT_MAX, **common)
    if kind == QuestionKind.LONG_TEXT:
        return forms.CharField(
            max_length=LONG_TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3}), **common
        )
    if kind == QuestionKind.SEVERAL_CHOICES:
        return forms.MultipleChoiceField(
            choices=choices_offered(question, keep), widget=forms.CheckboxSelectMultiple, **common
        )
    # One choice and yes/no: radio buttons (none picked until the person picks one).
    return forms.ChoiceField(
        choices=choices_offered(question, keep), widget=forms.RadioSelect, **common
    )


def add_question_fields(form, questions, *, answers=None) -> list[str]:
    """Add a field per question to `form` (after its own), with the person's stored answers
    as initial values when given; returns their names for the layout."""
    names = []
    for question in questions:
        stored = (answers or {}).get(question.pk)
        form.fields[question.field_name] = question_field(question, picked_ids(question, stored))
        if answers is not None and question.pk in answers:
            form.initial.setdefault(question.field_name, form_value(question, answers[question.pk]))
        names.append(question.field_name)
    form.question_names = names
    return names


def question_data(form) -> dict:
    """The posted answers of the question fields ({field name: value}) for the services."""
    return {
        name: form.cleaned_data.get(name)
        for name in getattr(form, "question_names", [])
        if name in form.fields
    }


def questions_fieldset(names, legend=None):
    return Fieldset(legend or _("A few more questions"), *names, css_class="mt-3")


LANGUAGE_NAMES = dict(settings.LANGUAGES)


class _Lines(forms.CharField):
    """One entry per line, in order; a blank line inside is kept as "" (a choice not translated
    yet), blank lines at the end are dropped."""

    widget = forms.Textarea(attrs={"rows": 4})

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(value)
        return value

    def clean(self, value):
        lines = [" ".join(line.split()) for line in (super().clean(value) or "").splitlines()]
        while lines and not lines[-1]:
            lines.pop()
        return lines


class QuestionForm(forms.Form):
    """A question's kind, whether it is required or sensitive, and its texts with one input
    per language (the initiative's first language required)."""

    kind = forms.ChoiceField(label=_("Kind of answer"), choices=QuestionKind.choices)
    required = forms.BooleanField(label=_("An answer is required"), required=False)
    sensitive = forms.BooleanField(
        label=_("Sensitive: only the data steward sees individual answers"),
        required=False,
        help_text=_(
            "Everyone else sees totals, with small numbers hidden. Once people have answered, "
            "a sensitive question stays sensitive."
        ),
    )

    def __init__(self, *args, initiative, **kwargs):
        super().__init__(*args, **kwargs)
        primary = primary_language(initiative)
        languages = [primary] + [code for code in LANGUAGE_NAMES if code != primary]
        per_language = []
        for code in languages:
            name = LANGUAGE_NAMES[code]
            self.fields[f"label_{code}"] = forms.CharField(
                label=format_lazy(_("Question ({language})"), language=name),
                max_length=300,
                required=code == primary,
            )
            self.fields[f"help_text_{code}"] = forms.CharField(
                label=format_lazy(_("Help text ({language}, optional)"), language=name),
                max_length=500,
                required=False,
            )
            self.fields[f"choices_{code}"] = _Lines(
                label=format_lazy(_("Choices ({language})"), language=name),
                required=False,
                help_text=(
                    _(
                        "For one choice or several choices: one per line. Changing a choice's "
                        "wording makes it a new choice; answers already given keep the old one."
                    )
                    if code == primary
                    else _(
                        "The same choices in this language, one per line in the same order. "
                        "A missing one is shown in the first language."
                    )
                ),
            )
            per_language.append(
                Fieldset(
                    name,
                    f"label_{code}",
                    f"help_text_{code}",
                    f"choices_{code}",
                    css_class="mt-2",
                )
            )
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "kind",
            *per_language,
            Fieldset(_("Answers"), "required", "sensitive", css_class="mt-2"),
            Submit("submit", _("Save question")),
        )

    @classmethod
    def initial_for(cls, question) -> dict:
        initial = {
            "kind": question.kind,
            "required": question.required,
            "sensitive": question.sensitive,
        }
        for code in LANGUAGE_NAMES:
            initial[f"label_{code}"] = getattr(question, f"label_{code}") or ""
            initial[f"help_text_{code}"] = getattr(question, f"help_text_{code}") or ""
            initial[f"choices_{code}"] = [
                getattr(choice, f"label_{code}") or ""
                for choice in question.choices.all()
                if not choice.retired
            ]
        return initial

    def question_data(self) -> dict:
        return dict(self.cleaned_data)
