"""Who gets a circle's meeting emails, who placed in a circle has no address to email, and which
logs are written (the sweep nudges for the others, and the nudge checks again when sent)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from participants.models import Status

from ..models import CircleMember, CircleStaff, LogStatus, SessionLog

# People who get no meeting emails (they left, or never came).
SILENT_STATUSES = (Status.WITHDRAWN, Status.NO_SHOW)


@dataclass(frozen=True)
class Recipient:
    """A circle member ("p", participant id) or staff member ("u", user id)."""

    who: str
    pk: int
    email: str
    language: str

    @property
    def tag(self) -> str:
        return f"{self.who}{self.pk}"

    def params(self) -> dict:
        return {"participant": self.pk} if self.who == "p" else {"user": self.pk}


def member_addresses(**filters):
    """(circle id, participant id, email, language) of the circle members `filters` choose who
    get meeting emails: not withdrawn or no-show, with an email address. In circle order."""
    return (
        CircleMember.objects.filter(**filters)
        .exclude(participant__status__in=SILENT_STATUSES)
        .exclude(participant__email="")
        .order_by("circle_id", "participant_id")
        .values_list(
            "circle_id", "participant_id", "participant__email", "participant__preferred_language"
        )
    )


def staff_addresses(**filters):
    """(circle id, user id, email, language) of the circle staff `filters` choose who get
    meeting emails: active accounts with an email address. In circle order."""
    return (
        CircleStaff.objects.filter(user__is_active=True, **filters)
        .exclude(user__email="")
        .order_by("circle_id", "user_id")
        .values_list("circle_id", "user_id", "user__email", "user__preferred_language")
    )


def written_logs(**filters):
    """Session logs that are written up (submitted or approved): no nudge for their meeting."""
    return SessionLog.objects.filter(
        status__in=[LogStatus.SUBMITTED, LogStatus.APPROVED], **filters
    )


def circle_recipients(circle_ids) -> dict[int, list[Recipient]]:
    """Each circle's members (not withdrawn or no-show, with an email address) and its staff
    (active users, once each even when facilitator and recorder). Two queries."""
    circle_ids = list(set(circle_ids))
    found: dict[int, list[Recipient]] = defaultdict(list)
    if not circle_ids:
        return found
    members = member_addresses(circle_id__in=circle_ids)
    for circle_id, pk, email, language in members:
        found[circle_id].append(Recipient("p", pk, email, language))
    seen = set()
    for circle_id, pk, email, language in staff_addresses(circle_id__in=circle_ids):
        if (circle_id, pk) not in seen:
            seen.add((circle_id, pk))
            found[circle_id].append(Recipient("u", pk, email, language))
    return found


def placed_without_email(*, initiative) -> int:
    """How many placed people (still taking part) have no email address to notify."""
    return (
        CircleMember.objects.filter(circle__initiative=initiative, participant__email="")
        .exclude(participant__status__in=SILENT_STATUSES)
        .count()
    )
