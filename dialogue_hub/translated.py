"""Organizers' own texts in the reader's language, and a mark where they are not translated.

What an organizer writes for participants (an initiative's title and description, time slots,
neighborhoods, circle venues, guides, ballot items…) is stored once per language by
django-modeltranslation: a field `title` registered in an app's `translation.py` gets the columns
`title_en` and `title_es`, and `obj.title` reads the active language, falling back to the other
one (settings.MODELTRANSLATION_FALLBACK_LANGUAGES). That fallback is silent; a participant
reading Spanish should know when a text is still English. So pages read such texts through
`translated()` (or the `tr` template filter), which says which language the text is in, and
`marked`/`fallback_note` show "(in English, not translated yet)" next to it.

Forms let organizers give each text in every language: `TranslatedFieldsMixin` turns a form's
`title` field into `title_en` and `title_es`, the initiative's first language required as the
original was, the others optional. Services save those names as they are (modeltranslation's
columns), so nothing depends on the language the organizer's pages happen to be in.
"""

import copy
import functools

from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]
LANGUAGE_NAMES = dict(settings.LANGUAGES)


def reader_language() -> str:
    """The active language as one of ours ("es" for "es-us"), else the site's default."""
    code = (get_language() or settings.LANGUAGE_CODE).split("-")[0].lower()
    return code if code in LANGUAGE_CODES else settings.LANGUAGE_CODE


def given(value) -> bool:
    """Whether a stored translation says something (not None, "", [] or {})."""
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    return bool(value)


def languages_in_order(first: str | None = None) -> list[str]:
    """Every language, `first` (e.g. an initiative's default) at the front."""
    if first not in LANGUAGE_CODES:
        return list(LANGUAGE_CODES)
    return [first] + [code for code in LANGUAGE_CODES if code != first]


def pick(obj, field: str, language: str | None = None, *, prefer: str | None = None):
    """(value, language it is in, is_fallback) of `obj.<field>` for a reader of `language`.

    A missing translation falls back to `prefer` (the initiative's default language) and then
    to the others in the site's order.
    """
    language = language or reader_language()
    if not hasattr(obj, f"{field}_{language}"):  # not a text per language (e.g. a dict)
        value = obj.get(field) if isinstance(obj, dict) else getattr(obj, field, None)
        return value, language, False
    for code in [language] + [c for c in languages_in_order(prefer) if c != language]:
        value = getattr(obj, f"{field}_{code}", None)
        if given(value):
            return value, code, code != language
    return getattr(obj, f"{field}_{language}", None), language, False


class Translated(str):
    """A text, with the language it is in and whether it stands in for the reader's language."""

    language: str
    is_fallback: bool

    def __new__(cls, text, language: str, is_fallback: bool = False):
        value = super().__new__(cls, text or "")
        value.language = language
        value.is_fallback = is_fallback
        return value


def translated(obj, field: str, language: str | None = None, *, prefer=None) -> Translated:
    value, code, is_fallback = pick(obj, field, language, prefer=prefer)
    return Translated(value, code, is_fallback)


# Whole phrases, not a language name put into one: languages decline and capitalize their
# names differently (“(en inglés, …)”).
FALLBACK_LABELS = {
    "en": _("(in English, not translated yet)"),
    "es": _("(in Spanish, not translated yet)"),
}


# Readers whose language writes language names in lowercase mid-sentence ("en inglés"), for
# help texts that name a language.
LOWERCASE_LANGUAGE_NAMES = {"es"}


def fallback_label(language: str):
    """“(in English, not translated yet)”, in the reader's language."""
    return FALLBACK_LABELS.get(language) or f"({LANGUAGE_NAMES.get(language, language)})"


def marked_text(value) -> str:
    """Plain text (emails, <option>s): the text, then the fallback label when it is one."""
    if getattr(value, "is_fallback", False):
        return f"{value} {fallback_label(value.language)}"
    return str(value)


def marked_html(value):
    """HTML: the text (escaped), in a `lang` span with the fallback label when it is one."""
    if getattr(value, "is_fallback", False):
        return format_html(
            '<span lang="{}">{}</span> <small class="dh-fallback text-body-secondary">{}</small>',
            value.language,
            str(value),
            fallback_label(value.language),
        )
    return format_html("{}", str(value))


def fallback_note(value):
    """Only the label (e.g. after a paragraph of text), or nothing."""
    if getattr(value, "is_fallback", False):
        return format_html(
            '<small class="dh-fallback text-body-secondary">{}</small>',
            fallback_label(value.language),
        )
    return mark_safe("")  # noqa: S308 — an empty string


class TranslatedFieldsMixin:
    """Turns each field named in `translated_fields` into one field per language.

    `title` becomes `title_en` and `title_es` (labelled “Title (English)”, …) where `title` was,
    the first language (`first_language`, the initiative's default) required if `title` was
    and listed first. Initial values come from `instance` (`title_en`, …) when given. Services
    receive the per-language names, which are modeltranslation's columns.
    """

    translated_fields: tuple[str, ...] = ()

    def __init__(self, *args, first_language=None, translated_instance=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.first_language = first_language if first_language in LANGUAGE_CODES else None
        languages = languages_in_order(self.first_language)
        self.first_language = languages[0]
        fields = list(self.fields.items())
        rebuilt = {}
        for name, field in fields:
            if name not in self.translated_fields:
                rebuilt[name] = field
                continue
            for code in languages:
                copy_ = copy.deepcopy(field)
                copy_.label = _("%(field)s (%(language)s)") % {
                    "field": field.label or name.replace("_", " ").capitalize(),
                    "language": LANGUAGE_NAMES[code],
                }
                if code != languages[0]:
                    copy_.required = False
                    copy_.help_text = ""
                    if hasattr(copy_.widget, "attrs"):
                        copy_.widget.attrs.pop("required", None)
                copy_.widget.attrs["lang"] = code
                rebuilt[f"{name}_{code}"] = copy_
                if translated_instance is not None and not self.is_bound:
                    self.initial.setdefault(
                        f"{name}_{code}", getattr(translated_instance, f"{name}_{code}", None)
                    )
                elif name in self.initial and code == languages[0]:
                    self.initial.setdefault(f"{name}_{code}", self.initial[name])
        self.fields = rebuilt

    def translated_names(self, name: str) -> list[str]:
        """The per-language field names of `name`, first language first (for layouts)."""
        return [f"{name}_{code}" for code in languages_in_order(self.first_language)]


def columns(data: dict, fields, first_language: str) -> dict:
    """The per-language columns `data` gives for the translated `fields`.

    `title_en`, `title_es` are taken as they are (a form with TranslatedFieldsMixin); a plain
    `title` (demo data, imports, older callers) is the first language's text. Values are written
    to the columns by name, never through `obj.title`, which would write the language the
    organizer's page happens to be in.
    """
    first = first_language if first_language in LANGUAGE_CODES else settings.LANGUAGE_CODE
    out = {}
    for field in fields:
        if field in data:
            out[f"{field}_{first}"] = data[field]
        for code in LANGUAGE_CODES:
            key = f"{field}_{code}"
            if key in data:
                out[key] = data[key]
    return out


def column_names(fields, names=None) -> list[str]:
    """`names` (default: `fields`) with each translated field replaced by its columns."""
    out = []
    for name in names if names is not None else fields:
        if name in fields:
            out += [f"{name}_{code}" for code in LANGUAGE_CODES]
        else:
            out.append(name)
    return out


@functools.cache
def fields_of(model) -> tuple[str, ...]:
    """The fields `model` has per language (registered in its app's translation.py)."""
    from modeltranslation.translator import NotRegistered, translator  # noqa: PLC0415

    try:
        return tuple(translator.get_options_for_model(model).all_fields)
    except NotRegistered:
        return ()


def ordering(field: str, language: str | None = None):
    """An order_by() expression: `field` as the reader sees it (their language, else the
    others), so rows not yet translated sort among the rest by the text they show.

    (modeltranslation rewrites a plain `order_by("name")` to the reader's column alone, where
    every untranslated row is NULL.)
    """
    from django.db.models import F, TextField, Value  # noqa: PLC0415
    from django.db.models.functions import Coalesce, NullIf  # noqa: PLC0415

    language = language or reader_language()
    # Each language's column is a field class of its own: without an output_field, a query
    # that groups (an aggregate beside it) cannot resolve the mixed types.
    text = TextField()
    columns_ = [
        NullIf(F(f"{field}_{code}"), Value(""), output_field=text)
        for code in languages_in_order(language)
    ]
    return Coalesce(*columns_, Value(""), output_field=text)
