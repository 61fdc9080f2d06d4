"""The action forum's reads: ballots and their status, the people who may vote, and the results.

Results count people (voters per item, voters in all): shown to roles without the roster only
through small-count suppression (`ballot_results`). The writes (ballots, votes) are in
actions/services/forum.py.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from dialogue_hub import translated
from dialogue_hub.privacy import is_small, suppress
from initiatives.models import Initiative
from participants.models import Participant, Status

from ..models import (
    Ballot,
    BallotDot,
    BallotItem,
    BallotKind,
    BallotResponse,
    Idea,
    Theme,
)

SEARCH_LIMIT = 20


class BallotStatus:
    UPCOMING = "upcoming"
    OPEN = "open"
    CLOSED = "closed"


def ballot_status(ballot: Ballot, now: datetime | None = None) -> str:
    now = now or timezone.now()
    if now < ballot.opens_at:
        return BallotStatus.UPCOMING
    if now >= ballot.closes_at:
        return BallotStatus.CLOSED
    return BallotStatus.OPEN


def _when(value: datetime) -> str:
    """A moment in the current (the initiative's) time zone, formatted for the reader."""
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


def window_refusal(ballot: Ballot, now: datetime | None = None) -> str | None:
    """Why voting is refused right now, or None while the window is open."""
    status = ballot_status(ballot, now)
    if status == BallotStatus.UPCOMING:
        return _("Voting opens on %(when)s.") % {"when": _when(ballot.opens_at)}
    if status == BallotStatus.CLOSED:
        return _("Voting closed on %(when)s.") % {"when": _when(ballot.closes_at)}
    return None


# --- selectors -----------------------------------------------------------------------------------


def item_choices(*, initiative: Initiative, kind: str) -> QuerySet:
    """What a ballot of `kind` may list: the initiative's themes, or its open (unmerged) ideas."""
    if kind == BallotKind.THEMES:
        return Theme.objects.filter(initiative=initiative).order_by(
            translated.ordering("name"), "pk"
        )
    return Idea.objects.filter(initiative=initiative, merged_into__isnull=True).order_by(
        "created_at", "id"
    )


def ballots_for_initiative(*, initiative: Initiative) -> QuerySet[Ballot]:
    return (
        Ballot.objects.filter(initiative=initiative)
        .annotate(
            item_count=Count("items", distinct=True),
            response_count=Count("responses", distinct=True),
        )
        .order_by("-opens_at", "-id")
    )


def ballot_for_initiative(*, initiative: Initiative, pk: int) -> Ballot:
    """A ballot of this initiative, with its items (and their theme or idea); 404 otherwise."""
    return get_object_or_404(
        Ballot.objects.filter(initiative=initiative, pk=pk)
        .select_related("initiative")
        .prefetch_related(
            Prefetch("items", queryset=BallotItem.objects.select_related("theme", "idea"))
        )
    )


def participant_ballots(*, initiative: Initiative, limit: int = 10) -> list[Ballot]:
    """The initiative's most recent ballots (open, upcoming or closed), with their items."""
    return list(
        Ballot.objects.filter(initiative=initiative)
        .prefetch_related(
            Prefetch("items", queryset=BallotItem.objects.select_related("theme", "idea"))
        )
        .order_by("-opens_at", "-id")[:limit]
    )


def dots_of(*, ballot: Ballot, participant: Participant) -> BallotResponse | None:
    """The person's response on the ballot with `.dot_map` = {item id: dots}, or None."""
    response = (
        BallotResponse.objects.filter(ballot=ballot, participant=participant)
        .prefetch_related("dots")
        .first()
    )
    if response is not None:
        response.dot_map = {dot.item_id: dot.dots for dot in response.dots.all()}
    return response


def responses_of(*, ballots: list[Ballot], participant: Participant) -> dict[int, BallotResponse]:
    """{ballot id: response with .dot_map} for one person, in one query (plus the dots)."""
    responses = BallotResponse.objects.filter(
        ballot__in=ballots, participant=participant
    ).prefetch_related("dots")
    result = {}
    for response in responses:
        response.dot_map = {dot.item_id: dot.dots for dot in response.dots.all()}
        result[response.ballot_id] = response
    return result


def voters_search(*, initiative: Initiative, query: str) -> list[Participant]:
    """Participants who may vote (not withdrawn) whose name or email contains `query`."""
    query = " ".join((query or "").split())
    if len(query) < 2:
        return []
    return list(
        Participant.objects.filter(initiative=initiative)
        .exclude(status=Status.WITHDRAWN)
        .filter(Q(name__icontains=query) | Q(email__icontains=query))
        .order_by("name", "id")[:SEARCH_LIMIT]
    )


def voter_for_initiative(*, initiative: Initiative, pk) -> Participant | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return Participant.objects.filter(initiative=initiative, pk=pk).first()


@dataclass
class ResultRow:
    item: BallotItem
    dots: int
    voters: int | None  # None when suppressed
    voters_suppressed: bool


@dataclass
class BallotResults:
    rows: list
    voters: int | None  # people who voted on the ballot; None when suppressed
    voters_suppressed: bool
    dots: int
    suppressed: bool  # any people count hidden


def ballot_results(*, ballot: Ballot, sees_people: bool) -> BallotResults:
    """Items ranked by total dots, with how many people gave each of them dots.

    Dots are shown to everyone allowed here. The voter counts are counts of people: a reader
    without the roster (`sees_people=False`) gets them through small-count suppression. One
    person can put dots on several items, so the per-item counts do not add up to the number
    of voters: they are a non-additive table (primary suppression only), and the number of
    voters is suppressed on its own (hidden from 1 to 9). Dot totals are shown as they are:
    they are not people, and a reader who wants to single out a voter learns no more from
    them than the per-item counts would tell.
    """
    items = list(
        BallotItem.objects.filter(ballot=ballot)
        .select_related("theme", "idea")
        .annotate(total_dots=Sum("dots__dots", default=0), voter_count=Count("dots"))
        .order_by("position", "id")
    )
    items.sort(key=lambda item: (-item.total_dots, item.position, item.pk))
    voters = BallotResponse.objects.filter(ballot=ballot).count()
    if sees_people:
        rows = [ResultRow(item, item.total_dots, item.voter_count, False) for item in items]
        return BallotResults(
            rows=rows,
            voters=voters,
            voters_suppressed=False,
            dots=sum(item.total_dots for item in items),
            suppressed=False,
        )
    table = suppress([(item.pk, item.voter_count) for item in items], additive=False)
    rows = []
    for item, cell in zip(items, table.cells, strict=True):
        rows.append(ResultRow(item, item.total_dots, cell.value, cell.suppressed))
    hide_total = is_small(voters)
    return BallotResults(
        rows=rows,
        voters=None if hide_total else voters,
        voters_suppressed=hide_total,
        dots=sum(item.total_dots for item in items),
        suppressed=hide_total or any(row.voters_suppressed for row in rows),
    )


def participant_votes(participant) -> dict:
    """A person's votes in the action forum, for their own download: each ballot they voted on,
    how (online or on paper), and their dots per item."""
    dots = defaultdict(list)
    for response_id, theme, idea, count in (
        BallotDot.objects.filter(response__participant=participant)
        .order_by("response_id", "item__position", "pk")
        .values_list("response_id", "item__theme__name", "item__idea__text", "dots")
    ):
        dots[response_id].append({"item": theme or idea, "dots": count})
    return {
        "action_forum_votes": [
            {
                "ballot": title,
                "voted_at": created_at.isoformat(),
                "channel": channel,
                "dots": dots.get(pk, []),
            }
            for pk, title, created_at, channel in BallotResponse.objects.filter(
                participant=participant
            )
            .order_by("pk")
            .values_list("pk", "ballot__title", "created_at", "channel")
        ]
    }
