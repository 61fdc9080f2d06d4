"""The survey library's reads: the shipped surveys, an initiative's own copies (which wave asks
which, which version, answered or not), one survey's questions side by side in English and
Spanish per audience, and which of its questions are locked."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from ..models import Audience, Feedback, Instrument, Item, Response, Wave

MAX_PK = 2**63 - 1


def _answered(queryset: QuerySet[Instrument]) -> QuerySet[Instrument]:
    return queryset.annotate(
        question_count=Count("items", distinct=True),
        answered=Exists(Response.objects.filter(instrument=OuterRef("pk")))
        | Exists(Feedback.objects.filter(instrument=OuterRef("pk"))),
    )


def library_instruments() -> QuerySet[Instrument]:
    """The shipped, read-only surveys, with their number of questions."""
    return _answered(Instrument.objects.filter(initiative__isnull=True)).order_by("title", "pk")


def initiative_instruments(*, initiative) -> QuerySet[Instrument]:
    """The initiative's own surveys, every version, newest first within a title: the waves
    that ask each, whether anyone answered it, what it was copied from."""
    return (
        _answered(Instrument.objects.filter(initiative=initiative))
        .select_related("copied_from", "replaced_by")
        .prefetch_related(Prefetch("waves", queryset=Wave.objects.order_by("kind")))
        .order_by("title", "-version", "pk")
    )


def instrument_for_initiative(*, initiative, pk) -> Instrument:
    """A library survey or one of the initiative's own, with its questions; else 404."""
    if not 0 < int(pk) <= MAX_PK:
        raise Http404
    instrument = (
        _answered(Instrument.objects.filter(Q(initiative__isnull=True) | Q(initiative=initiative)))
        .filter(pk=pk)
        .select_related("copied_from", "replaced_by")
        .prefetch_related(
            Prefetch("items", queryset=Item.objects.order_by("position", "pk")),
            Prefetch("waves", queryset=Wave.objects.order_by("kind")),
        )
        .first()
    )
    if instrument is None:
        raise Http404
    return instrument


def editable_instrument(*, initiative, pk) -> Instrument:
    """The newest version of one of the initiative's own surveys (a library survey, another
    initiative's or an earlier version: 404)."""
    instrument = instrument_for_initiative(initiative=initiative, pk=pk)
    if instrument.is_library or instrument.replaced_by_id is not None:
        raise Http404
    return instrument


@dataclass
class Version:
    """One audience's version of a survey: its questions, in order."""

    audience: str
    label: str
    items: list


def versions(instrument: Instrument) -> list[Version]:
    """The questions as each audience is asked them: the resident version and the police and
    officials version when the survey has mirror questions, else one version for everyone."""
    items = list(instrument.items.all())
    if all(item.audience == Audience.EVERYONE for item in items):
        return [Version(Audience.EVERYONE, Audience.EVERYONE.label, items)]
    return [
        Version(audience, audience.label, [item for item in items if item.asked_of(audience)])
        for audience in (Audience.COMMUNITY, Audience.POLICE)
    ]


def earlier_version_ids(instrument: Instrument) -> list[int]:
    """The versions this one replaced, newest first: the one whose `replaced_by` is this one,
    the one that one replaced, and so on back to version 1 (one query)."""
    if instrument.is_library:
        return []
    replaced = dict(
        Instrument.objects.filter(
            initiative_id=instrument.initiative_id, replaced_by__isnull=False
        ).values_list("replaced_by_id", "pk")
    )
    ids: list[int] = []
    current = instrument.pk
    while current in replaced and replaced[current] not in ids:
        current = replaced[current]
        ids.append(current)
    return ids


def chain_answered(instrument: Instrument) -> bool:
    """Whether anyone answered this survey in this version or any earlier one it replaced
    (trust responses or feedback): then its compared questions are locked, even in a newer
    version nobody answered yet. Uses `instrument.answered` when annotated."""
    if getattr(instrument, "answered", False):
        return True
    if instrument.is_library:  # never answered itself, never a later version
        return False
    ids = [instrument.pk, *earlier_version_ids(instrument)]
    return (
        Response.objects.filter(instrument_id__in=ids).exists()
        or Feedback.objects.filter(instrument_id__in=ids).exists()
    )


def locked_item_ids(instrument: Instrument) -> set[int]:
    """The questions that cannot change: compared ones, once the survey has answers in this
    version or an earlier one (`chain_answered`)."""
    if not chain_answered(instrument):
        return set()
    return {item.pk for item in instrument.items.all() if item.compared}
