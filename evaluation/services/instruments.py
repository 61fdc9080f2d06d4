"""Copying survey instruments into an initiative (the library's pages build on this module)."""

from __future__ import annotations

from django.db import transaction

from initiatives.services import activity_record

from ..models import Instrument, Item


@transaction.atomic
def instrument_copy(*, instrument: Instrument, initiative, actor) -> Instrument:
    """The initiative's own copy of `instrument` (a library survey or another copy): the same
    questions, in the same order, to adapt there; `copied_from` says where it came from."""
    copy = Instrument.objects.create(
        initiative=initiative,
        copied_from=instrument,
        kind=instrument.kind,
        slug=instrument.slug,
        title=instrument.title,
        description=instrument.description,
        version=1,
    )
    Item.objects.bulk_create(
        [
            Item(
                instrument=copy,
                position=item.position,
                key=item.key,
                audience=item.audience,
                kind=item.kind,
                scale=item.scale,
                text_en=item.text_en,
                text_es=item.text_es,
                compared=item.compared,
            )
            for item in instrument.items.order_by("position")
        ]
    )
    activity_record(
        initiative=initiative,
        actor=actor,
        action="evaluation.instrument_copied",
        target=copy,
        label=copy.title,
    )
    return copy
