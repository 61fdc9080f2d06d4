"""The action forum's writes: ballots of themes or ideas with a voting window, and dot-voting.

Each person spreads up to `dots_per_person` dots over a ballot's items, online through their
private manage link or on paper at the forum (entered by staff). Each person is counted once:
the unique constraint on BallotResponse(ballot, participant) is the guarantee, and
`vote_submit` locks the person's row so concurrent submissions replace each other instead of
colliding (an IntegrityError that still slips through becomes a polite DomainError).
The reads are in actions/selectors/forum.py.
"""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from dialogue_hub.exceptions import DomainError, full_clean_or_raise
from dialogue_hub.services import save_values
from dialogue_hub.translated_columns import column_values, first_column, unknown_columns
from initiatives.models import Initiative
from initiatives.services import activity_record
from participants.models import Participant, Status

from ..models import (
    Ballot,
    BallotDot,
    BallotItem,
    BallotKind,
    BallotResponse,
    VoteChannel,
)
from ..selectors.forum import BallotStatus, ballot_status, item_choices, window_refusal

MIN_DOTS = 1
MAX_DOTS = 10
MAX_ITEMS = 60


# A ballot's title is given per language (actions/translation.py).
BALLOT_TEXTS = ("title",)


# --- services: ballots -------------------------------------------------------------------------


def _fold(_field, value):
    return " ".join(value.split()) if isinstance(value, str) else value


def _ballot_values(
    *,
    first_language: str,
    title: str | None = None,
    kind: str,
    opens_at: datetime,
    closes_at: datetime,
    dots_per_person: int = 3,
    **texts,
) -> dict:
    """Check a ballot's fields for ballot_create and ballot_update; return them as the ballot
    stores them (the title's spaces folded). `title` is in the initiative's first language;
    `texts` gives it per language (`title_es`, …: dialogue_hub/translated_columns.py)."""
    unknown = unknown_columns(texts, BALLOT_TEXTS)
    if unknown:
        raise TypeError(f"unexpected ballot fields {unknown}")
    plain = {"title": title} if title is not None else {}
    titles = column_values({**plain, **texts}, BALLOT_TEXTS, first_language, clean=_fold)
    first = first_column("title", first_language)
    if not titles.get(first):
        raise DomainError(_("Give the ballot a title."), field=first)
    if kind not in BallotKind.values:
        raise DomainError(_("Choose themes or ideas."), field="kind")
    if opens_at is None or closes_at is None:
        raise DomainError(_("Give the voting window."), field="opens_at")
    if closes_at <= opens_at:
        raise DomainError(_("Voting must close after it opens."), field="closes_at")
    if not MIN_DOTS <= (dots_per_person or 0) <= MAX_DOTS:
        raise DomainError(
            _("Each person gets between %(low)d and %(high)d dots.")
            % {"low": MIN_DOTS, "high": MAX_DOTS},
            field="dots_per_person",
        )
    return {
        **titles,
        "kind": kind,
        "opens_at": opens_at,
        "closes_at": closes_at,
        "dots_per_person": dots_per_person,
    }


def _set_items(*, ballot: Ballot, kind: str, item_ids: list) -> None:
    ids = list(dict.fromkeys(int(pk) for pk in item_ids))
    if len(ids) < 2:
        raise DomainError(_("Choose at least two items to vote on."), field="items")
    if len(ids) > MAX_ITEMS:
        raise DomainError(
            _("A ballot holds at most %(count)d items.") % {"count": MAX_ITEMS}, field="items"
        )
    allowed = set(
        item_choices(initiative=ballot.initiative, kind=kind)
        .filter(pk__in=ids)
        .values_list("pk", flat=True)
    )
    if set(ids) - allowed:
        raise DomainError(
            _("Some of the chosen items are not part of this initiative (or were merged)."),
            field="items",
        )
    # Items that stay keep their rows (saving an unchanged ballot changes nothing); the others
    # go, new ones are added, each at its place in the chosen order.
    field = "theme_id" if kind == BallotKind.THEMES else "idea_id"
    existing = {
        getattr(item, field): item
        for item in BallotItem.objects.filter(ballot=ballot)
        if getattr(item, field) is not None
    }
    BallotItem.objects.filter(ballot=ballot).exclude(
        pk__in=[existing[pk].pk for pk in ids if pk in existing]
    ).delete()
    added = []
    for index, pk in enumerate(ids):
        item = existing.get(pk)
        if item is None:
            added.append(BallotItem(ballot=ballot, position=index, **{field: pk}))
        elif item.position != index:
            item.position = index
            item.save(update_fields=["position", "updated_at"])
    BallotItem.objects.bulk_create(added)


@transaction.atomic
def ballot_create(*, user, initiative: Initiative, item_ids: list, **fields) -> Ballot:
    """Create a ballot of these items. `fields`: its title, kind, voting window and dots per
    person, as `_ballot_values` takes them."""
    values = _ballot_values(first_language=initiative.default_language, **fields)
    ballot = Ballot(initiative=initiative, **values)
    full_clean_or_raise(ballot)
    ballot.save()
    _set_items(ballot=ballot, kind=values["kind"], item_ids=item_ids)
    activity_record(initiative=initiative, actor=user, action="ballot.created", target=ballot)
    return ballot


@transaction.atomic
def ballot_update(
    *, user, ballot: Ballot, item_ids: list, now: datetime | None = None, **fields
) -> Ballot:
    """Edit a ballot that has not opened yet (once people vote, its items and dots are fixed).
    `fields` as for ballot_create."""
    ballot = Ballot.objects.select_for_update().select_related("initiative").get(pk=ballot.pk)
    if ballot_status(ballot, now) != BallotStatus.UPCOMING:
        raise DomainError(_("Voting has started: the ballot can no longer be changed."))
    values = _ballot_values(first_language=ballot.initiative.default_language, **fields)
    save_values(ballot, values)
    _set_items(ballot=ballot, kind=values["kind"], item_ids=item_ids)
    activity_record(
        initiative=ballot.initiative, actor=user, action="ballot.updated", target=ballot
    )
    return ballot


# --- services: votes -----------------------------------------------------------------------------


def _clean_dots(*, ballot: Ballot, dots: dict) -> dict[int, int]:
    item_ids = set(BallotItem.objects.filter(ballot=ballot).values_list("pk", flat=True))
    cleaned: dict[int, int] = {}
    for key, value in (dots or {}).items():
        try:
            item_id, count = int(key), int(value or 0)
        except (TypeError, ValueError) as exc:
            raise DomainError(_("Dots must be whole numbers.")) from exc
        if item_id not in item_ids:
            raise DomainError(_("That item is not on this ballot."))
        if count < 0:
            raise DomainError(_("Dots cannot be negative."))
        if count:
            cleaned[item_id] = count
    total = sum(cleaned.values())
    if total > ballot.dots_per_person:
        raise DomainError(
            _("You gave %(total)d dots: each person has %(dots)d. Take some away and try again.")
            % {"total": total, "dots": ballot.dots_per_person}
        )
    if total == 0:
        raise DomainError(_("Put at least one dot on an item."))
    return cleaned


class AlreadyVoted(DomainError):
    """Staff entering a paper vote for someone who already voted; `response` is that vote."""

    def __init__(self, response):
        message = (
            _("This person already voted online. Tick “replace” to replace their vote.")
            if response.channel == VoteChannel.ONLINE
            else _(
                "A paper vote was already entered for this person. Tick “replace” to replace it."
            )
        )
        super().__init__(message, field="replace")
        self.response = response


def _set_dots(*, response: BallotResponse, dots: dict[int, int]) -> None:
    """Make the response's dots these: dots kept as they were keep their rows (the same vote
    sent again changes nothing), the others are changed, added or removed."""
    existing = {dot.item_id: dot for dot in BallotDot.objects.filter(response=response)}
    BallotDot.objects.filter(response=response).exclude(item_id__in=list(dots)).delete()
    added = []
    for item_id, count in dots.items():
        dot = existing.get(item_id)
        if dot is None:
            added.append(BallotDot(response=response, item_id=item_id, dots=count))
        elif dot.dots != count:
            dot.dots = count
            dot.save(update_fields=["dots"])
    BallotDot.objects.bulk_create(added)


@transaction.atomic
def vote_submit(
    *,
    ballot: Ballot,
    participant: Participant,
    dots: dict,
    channel: str = VoteChannel.ONLINE,
    entered_by=None,
    replace: bool = False,
    now: datetime | None = None,
) -> BallotResponse:
    """Record (or replace) one person's dots on a ballot; the person is counted once.

    Online, a person who voted already simply changes their dots until the window closes.
    Staff entering a paper vote for someone who has a vote already must pass `replace=True`.
    """
    # Lock the person: their concurrent submissions queue up here and replace one another.
    person = (
        Participant.objects.select_for_update(of=("self",))
        .filter(pk=participant.pk, initiative_id=ballot.initiative_id)
        .first()
    )
    if person is None:
        raise DomainError(_("This person is not registered in this initiative."))
    if person.status == Status.WITHDRAWN:
        raise DomainError(_("People who withdrew from the dialogues cannot vote."))
    ballot = Ballot.objects.select_related("initiative").get(pk=ballot.pk)
    refusal = window_refusal(ballot, now)
    if refusal:
        raise DomainError(refusal)
    cleaned = _clean_dots(ballot=ballot, dots=dots)
    response = (
        BallotResponse.objects.select_for_update().filter(ballot=ballot, participant=person).first()
    )
    if response is not None and channel == VoteChannel.PAPER and not replace:
        raise AlreadyVoted(response)
    try:
        with transaction.atomic():
            if response is None:
                response = BallotResponse.objects.create(
                    ballot=ballot, participant=person, channel=channel, entered_by=entered_by
                )
            else:
                response.channel, response.entered_by = channel, entered_by
                response.save(update_fields=["channel", "entered_by", "updated_at"])
    except IntegrityError as exc:
        # Only reachable where the row lock is not available: the other submission won.
        raise DomainError(
            _("Your vote was being saved at the same moment. Reload the page to check it.")
        ) from exc
    _set_dots(response=response, dots=cleaned)
    activity_record(
        initiative=ballot.initiative,
        actor=entered_by,
        action="ballot.paper_vote_entered" if channel == VoteChannel.PAPER else "ballot.voted",
        target=person,
    )
    return response
