"""Who gets a circle's meeting emails and texts, who placed in a circle has no way to be told,
and which logs are written (the sweep nudges for the others, and the nudge checks again when sent).

A recipient carries what the outbox routes by (dialogue_hub/outbox.py): the email address, and
the number a text version goes to (`text_to`) with whether the email goes too (`by_email`).
Members choose (participant.contact_by: email, text or both, texts only with a number and the
texts consent); staff opt in on their preferences page (user.texts_wanted with a mobile number)
and always keep their emails. Read from the same rows, so no query is added."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q

from participants.models import ContactBy, Participant, Status

from ..models import CircleMember, CircleStaff, LogStatus, SessionLog

# People who get no meeting emails (they left, or never came).
SILENT_STATUSES = (Status.WITHDRAWN, Status.NO_SHOW)
# Members who asked for texts (with a number: the participant_texts_need_a_number constraint).
TEXTERS = Q(participant__contact_by__in=[ContactBy.TEXT, ContactBy.BOTH]) & ~Q(
    participant__phone=""
)


@dataclass(frozen=True)
class Recipient:
    """A circle member ("p", participant id) or staff member ("u", user id)."""

    who: str
    pk: int
    email: str
    language: str
    # The number the message's text version goes to ("" for none), and whether the email goes
    # too (False: a person who wants texts only; their address is the fallback).
    text_to: str = ""
    by_email: bool = True

    @classmethod
    def member(cls, pk, email, language, *routing_columns) -> Recipient:
        """A circle member from the columns of `member_addresses` after the circle id: texts
        by the participant's own rule (Participant.routing: a minor none until a guardian
        consented)."""
        text_to, by_email = Participant.routing(*routing_columns)
        return cls("p", pk, email, language, text_to=text_to, by_email=by_email)

    @classmethod
    def staff(cls, pk, email, language, mobile_phone, texts_wanted) -> Recipient:
        """A staff member from the columns of `staff_addresses` after the circle id: texts
        too when they opted in with a number, their emails always."""
        text_to = mobile_phone if texts_wanted and mobile_phone else ""
        return cls("u", pk, email, language, text_to=text_to)

    def routing(self) -> dict:
        """The outbox row fields that say where the message goes (to, language, text_to,
        by_email)."""
        return {
            "to": self.email,
            "language": self.language,
            "text_to": self.text_to,
            "by_email": self.by_email,
        }

    @property
    def tag(self) -> str:
        return f"{self.who}{self.pk}"

    def params(self) -> dict:
        return {"participant": self.pk} if self.who == "p" else {"user": self.pk}


def member_addresses(**filters):
    """(circle id, participant id, email, language, then contact_by, phone, age band and guardian
    consent, what Participant.routing reads) of the circle members
    `filters` choose who get meeting messages: not withdrawn or no-show, with an email address
    or texts. In circle order; `Recipient.member(*row[1:])` reads the rest."""
    return (
        CircleMember.objects.filter(**filters)
        .exclude(participant__status__in=SILENT_STATUSES)
        .exclude(Q(participant__email="") & ~TEXTERS)
        .order_by("circle_id", "participant_id")
        .values_list(
            "circle_id",
            "participant_id",
            "participant__email",
            "participant__preferred_language",
            "participant__contact_by",
            "participant__phone",
            "participant__age_band",
            "participant__guardian_consented_at",
        )
    )


def staff_addresses(**filters):
    """(circle id, user id, email, language, mobile phone, texts wanted) of the circle staff
    `filters` choose who get meeting messages: active accounts with an email address. In
    circle order; `Recipient.staff(*row[1:])` reads the rest."""
    return (
        CircleStaff.objects.filter(user__is_active=True, **filters)
        .exclude(user__email="")
        .order_by("circle_id", "user_id")
        .values_list(
            "circle_id",
            "user_id",
            "user__email",
            "user__preferred_language",
            "user__mobile_phone",
            "user__texts_wanted",
        )
    )


def written_logs(**filters):
    """Session logs that are written up (submitted or approved): no nudge for their meeting."""
    return SessionLog.objects.filter(
        status__in=[LogStatus.SUBMITTED, LogStatus.APPROVED], **filters
    )


def circle_recipients(circle_ids) -> dict[int, list[Recipient]]:
    """Each circle's members (not withdrawn or no-show, with an email address or texts) and
    its staff (active users, once each even when facilitator and recorder), each with where
    their texts go. Two queries."""
    circle_ids = list(set(circle_ids))
    found: dict[int, list[Recipient]] = defaultdict(list)
    if not circle_ids:
        return found
    for circle_id, *member in member_addresses(circle_id__in=circle_ids):
        found[circle_id].append(Recipient.member(*member))
    seen = set()
    for circle_id, *staff in staff_addresses(circle_id__in=circle_ids):
        if (circle_id, staff[0]) not in seen:
            seen.add((circle_id, staff[0]))
            found[circle_id].append(Recipient.staff(*staff))
    return found


def placed_without_email(*, initiative) -> int:
    """How many placed people (still taking part) have no email address to notify, nor
    texts."""
    return (
        CircleMember.objects.filter(circle__initiative=initiative, participant__email="")
        .exclude(TEXTERS)
        .exclude(participant__status__in=SILENT_STATUSES)
        .count()
    )
