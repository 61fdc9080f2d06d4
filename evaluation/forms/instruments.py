"""Adapting a survey: its title and description, and its questions as a formset (one row per
question: order, key, who is asked, kind of answer, scale, the English and Spanish wording,
whether the change report compares it; a blank row to add one; a box to remove one).

A locked question (compared, and the survey has answers) is shown with its fields disabled: the
browser does not send them and the form keeps what is stored. Only its order may change.
"""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Audience, ItemKind
from ..selectors.instruments import MAX_PK
from ..services.instruments import DESCRIPTION_MAX, KEY_MAX, SCALE_MAX, TEXT_MAX, TITLE_MAX

MAX_QUESTIONS = 60
ITEM_VALUES = ("key", "audience", "kind", "scale", "text_en", "text_es", "compared")


class ItemForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1, max_value=MAX_PK)
    position = forms.IntegerField(
        label=_("Order"),
        required=False,
        min_value=1,
        max_value=999,
        help_text=_("Questions are asked in this order."),
    )
    key = forms.CharField(
        label=_("Key"),
        required=False,
        max_length=KEY_MAX,
        help_text=_(
            "A short name, without spaces. A resident question and its police mirror share a key."
        ),
    )
    audience = forms.ChoiceField(
        label=_("Asked of"), required=False, choices=[("", "—"), *Audience.choices]
    )
    kind = forms.ChoiceField(
        label=_("Answer"), required=False, choices=[("", "—"), *ItemKind.choices]
    )
    scale = forms.CharField(
        label=_("Scale"),
        required=False,
        max_length=SCALE_MAX,
        help_text=_("Questions of the same scale are averaged into one score."),
    )
    text_en = forms.CharField(
        label=_("Question (English)"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    text_es = forms.CharField(
        label=_("Question (Spanish)"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    compared = forms.BooleanField(label=_("Compared before and after"), required=False)

    def __init__(self, *args, locked_ids=frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.locked = bool(self.initial.get("id")) and self.initial["id"] in locked_ids
        if self.locked:
            for name in ITEM_VALUES:
                self.fields[name].disabled = True

    def clean(self):
        cleaned = super().clean()
        if self.locked:
            cleaned["id"] = self.initial["id"]
        if cleaned.get("DELETE"):
            return cleaned
        required = {
            "key": _("Give the question a short key."),
            "audience": _("Choose who is asked."),
            "kind": _("Choose the kind of answer."),
            "text_en": _("Write the question in English and in Spanish."),
            "text_es": _("Write the question in English and in Spanish."),
        }
        for name, message in required.items():
            if not cleaned.get(name) and name not in self.errors:
                self.add_error(name, message)
        return cleaned


class BaseItemFormSet(forms.BaseFormSet):
    def __init__(self, *args, locked_ids=frozenset(), **kwargs):
        self.locked_ids = locked_ids
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "locked_ids": self.locked_ids}

    def rows(self) -> tuple[list[dict], list[int]]:
        """The questions to keep, in the order asked, and the index in the formset of each."""
        kept = []
        # A locked question shows no box to remove it; one posted anyway leaves it out here, and
        # the service says why it cannot go.
        for index, form in enumerate(self.forms):
            if self._should_delete_form(form):
                continue
            if not form.has_changed() and not form.initial.get("id"):
                continue  # the blank row, left blank
            kept.append((form.cleaned_data.get("position") or 10000 + index, index, form))
        kept.sort(key=lambda entry: (entry[0], entry[1]))
        rows = [
            {
                "id": form.cleaned_data.get("id"),
                **{n: form.cleaned_data.get(n) for n in ITEM_VALUES},
            }
            for _position, _index, form in kept
        ]
        return rows, [index for _position, index, _form in kept]


ItemFormSet = forms.formset_factory(
    ItemForm,
    formset=BaseItemFormSet,
    extra=1,
    can_delete=True,
    max_num=MAX_QUESTIONS,
    absolute_max=MAX_QUESTIONS + 1,
    validate_max=True,
)


class InstrumentForm(forms.Form):
    """The survey's title and description; its questions are `self.items`, a formset."""

    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, instrument, locked_ids=frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout("title", "description")
        initial = [
            {"id": item.pk, "position": item.position, **{n: getattr(item, n) for n in ITEM_VALUES}}
            for item in instrument.items.all()
        ]
        self.items = ItemFormSet(
            self.data if self.is_bound else None,
            initial=initial,
            prefix="items",
            locked_ids=locked_ids,
        )

    def is_valid(self):
        valid = super().is_valid()
        return self.items.is_valid() and valid
