"""Texts per language (dialogue_hub/translated.py): which language a reader gets, the mark on a
fallback, forms with a field per language, and the columns ordering and exports read."""

import pytest
from django import forms
from django.utils import translation

from dialogue_hub import translated
from dialogue_hub.templatetags.translated import marked, marked_text
from initiatives.models import Initiative
from initiatives.selectors import public_initiatives

from ..factories import InitiativeFactory

pytestmark = pytest.mark.django_db


def make(name_en, name_es=None, **kwargs):
    initiative = InitiativeFactory(name=name_en, is_published=True, **kwargs)
    if name_es is not None:
        initiative.name_es = name_es
        initiative.save(update_fields=["name_es"])
    return initiative


def test_a_reader_gets_their_language_or_the_other_marked():
    initiative = make("Riverton Dialogues", description="Talk together.")
    with translation.override("es"):
        name = translated.translated(initiative, "name")
        assert (str(name), name.language, name.is_fallback) == ("Riverton Dialogues", "en", True)
        assert marked_text(name) == "Riverton Dialogues (en inglés, aún sin traducir)"
        html = str(marked(name))
        assert html.startswith('<span lang="en">Riverton Dialogues</span>')
        assert "(en inglés, aún sin traducir)" in html
    initiative.name_es = "Diálogos de Riverton"
    with translation.override("es"):
        name = translated.translated(initiative, "name")
        assert (str(name), name.is_fallback) == ("Diálogos de Riverton", False)
        assert str(marked(name)) == "Diálogos de Riverton"
    with translation.override("en"):
        assert translated.translated(initiative, "name") == "Riverton Dialogues"


def test_a_blank_translation_is_no_translation():
    initiative = make("Riverton Dialogues", name_es="   ")
    with translation.override("es"):
        assert translated.translated(initiative, "name").is_fallback


def test_marked_html_escapes_the_text():
    initiative = make("<b>Bold</b>")
    with translation.override("es"):
        html = str(marked(translated.translated(initiative, "name")))
    assert "<b>" not in html
    assert "&lt;b&gt;Bold&lt;/b&gt;" in html


def test_saving_from_a_spanish_page_keeps_the_own_column_english():
    """What ordering, exports and lookups through other models read (the `name` column) is
    the English text, or the Spanish where no English is given — not the language of the
    page that saved it, and never stale after an edit of one language."""
    with translation.override("es"):
        initiative = make("Riverton Dialogues", name_es="Diálogos de Riverton")
        initiative.name_en = "Riverton Circles"
        initiative.save(update_fields=["name_en"])
    stored = Initiative.objects.filter(pk=initiative.pk).values_list("name", flat=True)
    assert list(stored) == ["Riverton Circles"]
    with translation.override("es"):
        only_spanish = InitiativeFactory(languages=["es"])
        only_spanish.name_en = None
        only_spanish.name_es = "Solo en español"
        only_spanish.save()
    assert Initiative.objects.filter(pk=only_spanish.pk).values_list("name", flat=True)[0] == (
        "Solo en español"
    )


def test_lists_sort_untranslated_rows_by_the_text_they_show():
    make("Bravo", name_es="Bravo ES")
    make("Alpha")  # no Spanish: shown (and sorted) as “Alpha”
    make("Charlie", name_es="Zulu")
    with translation.override("es"):
        names = [str(translated.translated(i, "name")) for i in public_initiatives()]
    assert names == ["Alpha", "Bravo ES", "Zulu"]
    with translation.override("en"):
        assert [i.name for i in public_initiatives()] == ["Alpha", "Bravo", "Charlie"]


class TitleForm(translated.TranslatedFieldsMixin, forms.Form):
    translated_fields = ("title",)
    title = forms.CharField(label="Title", max_length=20)
    other = forms.CharField(required=False)


def test_a_form_field_becomes_one_per_language_the_first_required():
    form = TitleForm(first_language="es")
    assert list(form.fields) == ["title_es", "title_en", "other"]
    assert form.fields["title_es"].required
    assert not form.fields["title_en"].required
    assert form.fields["title_en"].max_length == 20
    assert str(form.fields["title_es"].label) == "Title (Spanish)"
    form = TitleForm({"title_en": "Only English"}, first_language="es")
    assert not form.is_valid()
    assert list(form.errors) == ["title_es"]


def test_a_form_starts_from_the_objects_columns():
    initiative = make("Riverton Dialogues", name_es="Diálogos")

    class NameForm(translated.TranslatedFieldsMixin, forms.Form):
        translated_fields = ("name",)
        name = forms.CharField()

    form = NameForm(translated_instance=initiative, first_language="en")
    assert (form.initial["name_en"], form.initial["name_es"]) == ("Riverton Dialogues", "Diálogos")


def test_plain_texts_go_to_the_first_language_and_per_language_ones_as_given():
    data = {"name": "Riverton", "name_es": "Riverton ES", "description": "x"}
    assert translated.columns(data, ("name", "description"), "es") == {
        "name_es": "Riverton ES",
        "description_es": "x",
    }
    assert translated.columns({"name": "Riverton"}, ("name",), "en") == {"name_en": "Riverton"}


def test_saving_one_language_never_copies_it_into_another():
    """A save of the Spanish column alone leaves the English one untranslated (modeltranslation
    would copy the own column's value into the active language's if asked to save it alone)."""
    initiative = InitiativeFactory(description="")
    initiative.description_es = "Solo en español."
    initiative.save(update_fields=["description_es"])
    initiative.refresh_from_db()
    assert (initiative.description_en or "", initiative.description_es) == ("", "Solo en español.")
    with translation.override("en"):
        assert translated.translated(initiative, "description").is_fallback


def test_a_text_set_through_its_plain_name_on_a_spanish_page_is_saved():
    initiative = InitiativeFactory(name="Riverton")
    with translation.override("es"):
        initiative.name = "Riverton en español"  # the descriptor writes name_es
        initiative.save(update_fields=["name"])
    initiative.refresh_from_db()
    assert (initiative.name_en, initiative.name_es) == ("Riverton", "Riverton en español")
