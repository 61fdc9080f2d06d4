"""What a service saves of an organizer's text given per language (dialogue_hub/translated.py).

A form with TranslatedFieldsMixin gives `title_en` and `title_es`; demo data, imports and older
callers give a plain `title`, which is the initiative's first language. Services turn either
into modeltranslation's columns with `column_values` and write those columns by name (never
`obj.title = …`, which writes the language the organizer's page happens to be in).
"""

from django.conf import settings

from . import translated


def first_column(field: str, first_language: str | None) -> str:
    """`title_en` for `title` when the initiative's first language is English."""
    return f"{field}_{translated.languages_in_order(first_language)[0]}"


def column_values(data: dict, fields, first_language: str | None, *, clean=None) -> dict:
    """The columns `data` gives for the translated `fields`: texts stripped (or `clean(field,
    value)`), a translation left empty None (untranslated: readers see the first language,
    marked, and unique names per language do not clash on ""). The first language keeps its
    empty value ("" or [])."""
    first = translated.languages_in_order(first_language)[0]
    out = {}
    for key, value in translated.columns(data, fields, first).items():
        field = key.rsplit("_", 1)[0]
        if clean is not None:
            value = clean(field, value)
        elif isinstance(value, str):
            value = value.strip()
        if not translated.given(value):
            value = (value if value is not None else "") if key == f"{field}_{first}" else None
        out[key] = value
    return out


def unknown_columns(names, fields) -> list[str]:
    """The `names` that are neither a translated field nor one of its columns."""
    allowed = set(fields) | set(translated.column_names(fields))
    return sorted(set(names) - allowed)


def changed_columns(obj, values: dict) -> list[str]:
    """Which columns of `values` differ from `obj`'s (an empty text and None are the same)."""
    return [key for key, value in values.items() if _norm(getattr(obj, key, None)) != _norm(value)]


def _norm(value):
    return value if translated.given(value) else None


def copy_columns(source, fields) -> dict:
    """Every language's columns of `fields` as `source` has them (copying a guide)."""
    out = {}
    for name in translated.column_names(fields):
        value = getattr(source, name, None)
        if isinstance(value, list):
            value = [dict(item) if isinstance(item, dict) else item for item in value]
        out[name] = value
    return out


def refuse_taken_names(queryset, values: dict, field: str, *, instance=None, message) -> None:
    """Refuse a name (a DomainError on its column, e.g. `name_es`) that another row of
    `queryset` has in the same language, whatever the case of its letters; `instance`, the row
    being edited, does not count. `values`: the columns `column_values` made."""
    from .exceptions import DomainError

    for code in translated.LANGUAGE_CODES:
        column = f"{field}_{code}"
        name = values.get(column)
        if not translated.given(name):
            continue
        same = queryset.filter(**{f"{column}__iexact": name})
        if instance is not None:
            same = same.exclude(pk=instance.pk)
        if same.exists():
            raise DomainError(message, field=column)
    # The own column (`name`: the English text, else the Spanish, TimeStampedModel.save) has the
    # model's unique constraint too: one row's Spanish name may not be another's English one.
    final = {
        code: values.get(f"{field}_{code}", getattr(instance, f"{field}_{code}", None))
        for code in translated.LANGUAGE_CODES
    }
    code = next(
        (
            c
            for c in translated.languages_in_order(settings.LANGUAGE_CODE)
            if translated.given(final[c])
        ),
        None,
    )
    if code is None:
        return
    plain = queryset.rewrite(False) if hasattr(queryset, "rewrite") else queryset
    same = plain.filter(**{f"{field}__iexact": final[code]})
    if instance is not None:
        same = same.exclude(pk=instance.pk)
    if same.exists():
        raise DomainError(message, field=f"{field}_{code}")


def with_originals(instance, names) -> list[str]:
    """`names` (fields to save) plus the original field of each translation column among them:
    modeltranslation keeps the original column (`venue_name` beside `venue_name_en`), which
    lookups across relations (`circle__venue_name`) still read; saving it keeps it in step
    (it stores the text as the descriptor reads it, a translation standing in if need be)."""
    names = list(names)
    originals = []
    for name in names:
        try:
            field = instance._meta.get_field(name)
        except Exception:  # noqa: BLE001, S112 — not a model field (e.g. a property): skip
            continue
        original = getattr(field, "translated_field", None)
        if original is not None and original.name not in names + originals:
            originals.append(original.name)
    return names + originals
