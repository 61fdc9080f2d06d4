"""Pieces the apps' write services share; the services themselves live in each app."""

from .exceptions import full_clean_or_raise


def save_values(instance, values: dict, *, exclude=None) -> None:
    """An edit service's write: set `values` (field name -> value) on `instance`, validate it
    (its first problem a DomainError, see full_clean_or_raise; `exclude` as there) and save
    those fields and updated_at. Every field given is written, changed or not."""
    for name, value in values.items():
        setattr(instance, name, value)
    full_clean_or_raise(instance, exclude=exclude)
    instance.save(update_fields=[*values, "updated_at"])
