"""Copying a library survey into an initiative and adapting the copy.

What people answered is never altered: once a version has answers (a trust `Response` or an
after-session `Feedback`), a change makes the survey's next version (`version` + 1, the old one's
`replaced_by` set, the initiative's waves moved to the new one); a version nobody answered yet is
changed in place. Once any version of the survey has answers (this one or one it replaced,
`selectors.instruments.chain_answered`), the questions a change report compares
(`Item.compared`) are locked in every later version too: their key, wording, scale, audience,
kind and compared flag stay as they are, and they cannot be removed; no other question can become
compared (the comparison needs the same wording from the start); and no new or changed question
can join a scale that has compared questions (the scale score after would cover other questions
than the one before). Other questions may be added, reworded or removed.
"""

from __future__ import annotations

import re

from django.db import transaction
from django.utils.translation import gettext as _

from dialogue_hub.exceptions import DomainError
from initiatives.services import activity_record

from ..models import Audience, Feedback, Instrument, Item, ItemKind, Response, Wave
from ..selectors.instruments import chain_answered

# What a question's row may carry (`instrument_update`'s `items`).
ITEM_FIELDS = ("key", "audience", "kind", "scale", "text_en", "text_es", "compared")
# What a compared question of an answered survey keeps.
LOCKED_FIELDS = ("key", "audience", "kind", "scale", "text_en", "text_es", "compared")
SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
TITLE_MAX = Instrument._meta.get_field("title").max_length
TEXT_MAX = Item._meta.get_field("text_en").max_length
KEY_MAX = Item._meta.get_field("key").max_length
SCALE_MAX = Item._meta.get_field("scale").max_length
DESCRIPTION_MAX = 4000


def is_answered(instrument: Instrument) -> bool:
    """Whether anyone answered this version of the survey (trust responses or feedback)."""
    return (
        Response.objects.filter(instrument=instrument).exists()
        or Feedback.objects.filter(instrument=instrument).exists()
    )


def item_field(index: int, name: str) -> str:
    """The name a refusal gives a question's field: `items-<index>-<name>` (the formset's)."""
    return f"items-{index}-{name}"


@transaction.atomic
def instrument_copy(*, instrument: Instrument, initiative, actor) -> Instrument:
    """Deep-copy a library survey (or one of the initiative's own) into the initiative, as
    version 1 of a survey of its own, unanswered and free to adapt."""
    if instrument.initiative_id not in (None, initiative.pk):
        raise DomainError(_("This survey is not available to this initiative."))
    copy = Instrument.objects.create(
        initiative=initiative,
        copied_from=instrument,
        kind=instrument.kind,
        slug=instrument.slug,
        title=instrument.title,
        description=instrument.description,
        version=1,
    )
    _copy_items(instrument.items.order_by("position"), copy)
    activity_record(
        initiative=initiative,
        actor=actor,
        action="evaluation.instrument_copied",
        target=copy,
        details={"from": instrument.pk},
    )
    return copy


def _copy_items(items, instrument: Instrument) -> None:
    Item.objects.bulk_create(
        Item(
            instrument=instrument,
            position=item.position,
            **{name: getattr(item, name) for name in ITEM_FIELDS},
        )
        for item in items
    )


def _clean_item(index: int, row: dict) -> dict:
    """One question's values, checked; a problem is refused on that question's field."""
    cleaned = {
        "id": row.get("id"),
        "key": str(row.get("key") or "").strip(),
        "audience": row.get("audience") or Audience.EVERYONE,
        "kind": row.get("kind") or ItemKind.AGREEMENT,
        "scale": str(row.get("scale") or "").strip(),
        "text_en": str(row.get("text_en") or "").strip(),
        "text_es": str(row.get("text_es") or "").strip(),
        "compared": bool(row.get("compared")),
    }
    if not cleaned["key"]:
        raise DomainError(_("Give the question a short key."), field=item_field(index, "key"))
    if len(cleaned["key"]) > KEY_MAX or not SLUG.match(cleaned["key"]):
        raise DomainError(
            _("Use at most %(n)s letters, digits, hyphens or underscores, without spaces.")
            % {"n": KEY_MAX},
            field=item_field(index, "key"),
        )
    if cleaned["scale"] and (len(cleaned["scale"]) > SCALE_MAX or not SLUG.match(cleaned["scale"])):
        raise DomainError(
            _("Use at most %(n)s letters, digits, hyphens or underscores, without spaces.")
            % {"n": SCALE_MAX},
            field=item_field(index, "scale"),
        )
    if cleaned["audience"] not in Audience.values:
        raise DomainError(_("Choose who is asked."), field=item_field(index, "audience"))
    if cleaned["kind"] not in ItemKind.values:
        raise DomainError(_("Choose the kind of answer."), field=item_field(index, "kind"))
    for name in ("text_en", "text_es"):
        if not cleaned[name]:
            raise DomainError(
                _("Write the question in English and in Spanish."), field=item_field(index, name)
            )
        if len(cleaned[name]) > TEXT_MAX:
            raise DomainError(
                _("Please keep the question under %(n)s characters.") % {"n": TEXT_MAX},
                field=item_field(index, name),
            )
    if cleaned["kind"] == ItemKind.COMMENT:
        # A comment has no score: no scale, nothing to compare.
        cleaned["scale"] = ""
        cleaned["compared"] = False
    return cleaned


def _check_keys(rows: list[dict]) -> None:
    """Keys unique per audience; a question asked of everyone shares its key with none."""
    seen: dict[tuple[str, str], int] = {}
    for index, row in enumerate(rows):
        audiences = (
            [Audience.EVERYONE, Audience.COMMUNITY, Audience.POLICE]
            if row["audience"] == Audience.EVERYONE
            else [row["audience"], Audience.EVERYONE]
        )
        if any((audience, row["key"]) in seen for audience in audiences):
            raise DomainError(
                _("Another question asked of the same people already has this key."),
                field=item_field(index, "key"),
            )
        seen[(row["audience"], row["key"])] = index


def _check_locked(stored: dict[int, Item], rows: list[dict]) -> None:
    """An answered survey's compared questions: kept, and kept as they are; no question newly
    compared; no new or changed question joining a compared scale."""
    kept = {row["id"]: index for index, row in enumerate(rows) if row["id"] is not None}
    for item in stored.values():
        if not item.compared:
            continue
        if item.pk not in kept:
            raise DomainError(
                _(
                    "“%(key)s” is compared before and after, and people have answered it: it "
                    "cannot be removed."
                )
                % {"key": item.key},
            )
        index = kept[item.pk]
        for name in LOCKED_FIELDS:
            if rows[index][name] != getattr(item, name):
                raise DomainError(
                    _(
                        "This question is compared before and after, and people have answered "
                        "it: it cannot be changed. Add a new question instead."
                    ),
                    field=item_field(index, name),
                )
    compared_scales = {item.scale for item in stored.values() if item.compared and item.scale}
    for index, row in enumerate(rows):
        item = stored.get(row["id"]) if row["id"] is not None else None
        if item is not None and item.compared:
            continue  # checked above: kept as it is
        if row["compared"]:
            raise DomainError(
                _(
                    "People have already answered this survey: a question can only be compared "
                    "before and after if it was asked the same way from the start."
                ),
                field=item_field(index, "compared"),
            )
        changed = item is None or any(getattr(item, name) != row[name] for name in ITEM_FIELDS)
        if changed and row["scale"] in compared_scales:
            raise DomainError(
                _(
                    "People have already answered this survey, and this scale's questions are "
                    "compared before and after: a new or changed question cannot join it. Use "
                    "another scale or none."
                ),
                field=item_field(index, "scale"),
            )


@transaction.atomic
def instrument_update(
    *, instrument: Instrument, data: dict, items: list[dict], actor
) -> Instrument:
    """Adapt one of the initiative's own surveys: its title and description (`data`) and its
    questions (`items`, in the order they are asked: each a dict of `ITEM_FIELDS` plus `id`,
    the stored question it edits, or None for a new one; a stored question left out is
    removed).

    This version unanswered, the survey is changed in place. Answered, the change makes its
    next version (returned) and the initiative's waves ask it from then on, while the answers
    stay with the version answered. Once this version or an earlier one has answers, the
    compared questions are locked (see the module's docstring). A refusal names the field
    (`title`, `description`, or `items-<index>-<field>`)."""
    if instrument.is_library:
        raise DomainError(
            _("Library surveys cannot be changed. Copy it into your initiative to adapt it.")
        )
    instrument = Instrument.objects.select_for_update().get(pk=instrument.pk)
    if instrument.replaced_by_id is not None:
        raise DomainError(
            _("This is an earlier version of the survey. Change its newest version instead.")
        )
    title = str(data.get("title") or "").strip()
    description = str(data.get("description") or "").strip()
    if not title:
        raise DomainError(_("Give the survey a title."), field="title")
    if len(title) > TITLE_MAX:
        raise DomainError(
            _("Please keep the title under %(n)s characters.") % {"n": TITLE_MAX}, field="title"
        )
    if len(description) > DESCRIPTION_MAX:
        raise DomainError(
            _("Please keep the description under %(n)s characters.") % {"n": DESCRIPTION_MAX},
            field="description",
        )
    rows = [_clean_item(index, row) for index, row in enumerate(items)]
    if not rows:
        raise DomainError(_("A survey needs at least one question."))
    if not any(row["kind"] == ItemKind.AGREEMENT for row in rows):
        raise DomainError(_("A survey needs at least one question with an agreement scale."))
    stored = {item.pk: item for item in instrument.items.all()}
    for index, row in enumerate(rows):
        if row["id"] is not None and (
            row["id"] not in stored or any(r["id"] == row["id"] for r in rows[:index])
        ):
            raise DomainError(
                _("This question is not part of this survey."), field=item_field(index, "key")
            )
    answered = is_answered(instrument)
    if answered or chain_answered(instrument):
        _check_locked(stored, rows)
    _check_keys(rows)
    if answered:
        return _new_version(
            instrument=instrument,
            title=title,
            description=description,
            rows=rows,
            stored=stored,
            actor=actor,
        )
    _update_in_place(
        instrument=instrument, title=title, description=description, rows=rows, stored=stored
    )
    activity_record(
        initiative=instrument.initiative,
        actor=actor,
        action="evaluation.instrument_changed",
        target=instrument,
        details={"version": instrument.version, "questions": len(rows)},
    )
    return instrument


def _unchanged(instrument, title, description, rows, stored) -> bool:
    if (instrument.title, instrument.description) != (title, description):
        return False
    if [row["id"] for row in rows] != [
        item.pk for item in sorted(stored.values(), key=lambda i: i.position)
    ]:
        return False
    return all(
        getattr(stored[row["id"]], name) == row[name] for row in rows for name in ITEM_FIELDS
    )


def _update_in_place(*, instrument, title, description, rows, stored) -> None:
    if _unchanged(instrument, title, description, rows, stored):
        return
    instrument.title, instrument.description = title, description
    instrument.full_clean()
    instrument.save(update_fields=["title", "description", "updated_at"])
    kept = {row["id"] for row in rows if row["id"] is not None}
    Item.objects.filter(instrument=instrument).exclude(pk__in=kept).delete()
    existing = [stored[row["id"]] for row in rows if row["id"] is not None]
    # Out of the way first (positions and keys are unique per survey), then where they belong.
    for n, item in enumerate(existing, start=1):
        item.position = 10000 + n
        item.key = f"~{n}"
    Item.objects.bulk_update(existing, ["position", "key"])
    changed, new = [], []
    for position, row in enumerate(rows, start=1):
        values = {name: row[name] for name in ITEM_FIELDS}
        if row["id"] is None:
            new.append(Item(instrument=instrument, position=position, **values))
            continue
        item = stored[row["id"]]
        item.position = position
        for name, value in values.items():
            setattr(item, name, value)
        changed.append(item)
    Item.objects.bulk_update(changed, ["position", *ITEM_FIELDS])
    Item.objects.bulk_create(new)


def _new_version(*, instrument, title, description, rows, stored, actor) -> Instrument:
    if _unchanged(instrument, title, description, rows, stored):
        return instrument
    newer = Instrument(
        initiative=instrument.initiative,
        copied_from=instrument.copied_from,
        kind=instrument.kind,
        slug=instrument.slug,
        title=title,
        description=description,
        version=instrument.version + 1,
    )
    newer.full_clean()
    newer.save()
    Item.objects.bulk_create(
        Item(instrument=newer, position=position, **{name: row[name] for name in ITEM_FIELDS})
        for position, row in enumerate(rows, start=1)
    )
    instrument.replaced_by = newer
    instrument.save(update_fields=["replaced_by", "updated_at"])
    moved = Wave.objects.filter(initiative=instrument.initiative, instrument=instrument).update(
        instrument=newer
    )
    activity_record(
        initiative=instrument.initiative,
        actor=actor,
        action="evaluation.instrument_versioned",
        target=newer,
        details={"version": newer.version, "from": instrument.pk, "waves": moved},
    )
    return newer
