"""Pieces the apps' write services share; the services themselves live in each app."""

from .exceptions import DomainError, full_clean_or_raise
from .translated_columns import with_originals


def save_values(instance, values: dict, *, exclude=None) -> None:
    """An edit service's write: set `values` (field name -> value) on `instance`, validate it
    (its first problem a DomainError, see full_clean_or_raise; `exclude` as there) and save
    those fields and updated_at. Every field given is written, changed or not (a text's column
    per language, `title_es`, with its original `title`: dialogue_hub/translated_columns.py)."""
    for name, value in values.items():
        setattr(instance, name, value)
    full_clean_or_raise(instance, exclude=exclude)
    instance.save(update_fields=with_originals(instance, [*values, "updated_at"]))


def refuse_taken_name(queryset, name: str, *, instance=None, message: str) -> None:
    """Refuse `name` with `message` (a DomainError on the name field) when another row of
    `queryset` (e.g. the initiative's teams) has it already, whatever the case of its letters;
    `instance`, the row being edited (None for a new one), does not count."""
    same = queryset.filter(name__iexact=name)
    if instance is not None:
        same = same.exclude(pk=instance.pk)
    if same.exists():
        raise DomainError(message, field="name")
