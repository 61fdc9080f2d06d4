"""Reads of the organizers' queue of participants' requests for another circle or time: the
requests waiting (and the last ones answered), one request inside its initiative, and the
count waiting for the organizer's home."""

from __future__ import annotations

from django.db.models import Count
from django.http import Http404
from django.utils.translation import ngettext

from initiatives import cache as initiative_cache
from initiatives.models import Initiative

from ..models import MoveRequest, MoveRequestStatus

ANSWERED_SHOWN = 10


def _requests(initiative: Initiative):
    return MoveRequest.objects.filter(initiative=initiative).select_related(
        "participant", "from_circle", "to_circle", "decided_by"
    )


def move_request_queue(*, initiative: Initiative) -> dict:
    """The requests waiting, oldest first, and the last ones answered. Two queries."""
    return {
        "pending": list(
            _requests(initiative)
            .filter(status=MoveRequestStatus.PENDING)
            .order_by("created_at", "pk")
        ),
        "answered": list(
            _requests(initiative)
            .exclude(status=MoveRequestStatus.PENDING)
            .order_by("-decided_at", "-pk")[:ANSWERED_SHOWN]
        ),
    }


def move_request_for_initiative(*, initiative: Initiative, pk) -> MoveRequest:
    request = _requests(initiative).filter(pk=pk).first()
    if request is None:
        raise Http404
    return request


def _pending_counts(initiative_ids) -> dict[int, int]:
    return dict(
        MoveRequest.objects.filter(
            initiative_id__in=list(initiative_ids), status=MoveRequestStatus.PENDING
        )
        .order_by()
        .values_list("initiative_id")
        .annotate(n=Count("pk"))
    )


def move_requests_attention(initiative_ids) -> dict[int, list[str]]:
    """For the organizer's home ("Needs attention"): per initiative, how many requests for
    another circle wait for an answer. One query for any number of initiatives (registered in
    initiatives.selectors.ATTENTION_PROVIDERS), kept per initiative version: asking and
    answering are logged changes, a registration changes nothing here."""
    counts = initiative_cache.cached_many(
        initiative_ids,
        "attention-move-requests",
        _pending_counts,
        registrations=initiative_cache.UNAFFECTED,
    )
    return {
        initiative_id: [
            ngettext(
                "%(count)s request for another circle or time waits for an answer.",
                "%(count)s requests for another circle or time wait for an answer.",
                count,
            )
            % {"count": count}
        ]
        for initiative_id, count in counts.items()
        if count
    }
