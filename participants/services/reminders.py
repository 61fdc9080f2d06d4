"""The participants app's planned emails, swept by Celery beat (participants.tasks.reminders_plan).

- Guardian consent reminder (essential): a minor registered DIALOGUE_HUB_GUARDIAN_REMINDER_DAYS
  (default 3) days ago whose guardian has not answered yet gets one reminder sent to the
  guardian, while the guardian's link would still be accepted.
- "Registration nearly full" alert (category alerts): to each organizer of an initiative whose
  seated participants reach 90% of the initiative's cap or of a role's cap. The key names the
  cap and its size, so raising a cap can alert again once the new cap is nearly reached.

The planner only adds outbox rows (one key per message, so a second run adds nothing); the
emails are built at sending time by participants.emails, which cancels the ones that no longer
apply. A constant number of queries whatever the number of initiatives and participants.
"""

from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from dialogue_hub import outbox
from initiatives.models import Initiative, Membership, Phase, Role

from ..models import MINOR_AGE_BANDS, Participant, RegistrationSettings, RoleCap, Status

# Alert when this share of a cap's seats is taken (as a fraction: numerator / denominator).
NEARLY_FULL_NUMERATOR = 9
NEARLY_FULL_DENOMINATOR = 10
TOTAL_CAP = "total"  # the cap name of the initiative's participant cap (others: a role category)


def guardian_reminder_days() -> int:
    return getattr(settings, "DIALOGUE_HUB_GUARDIAN_REMINDER_DAYS", 3)


def is_nearly_full(*, seated: int, seats: int) -> bool:
    """At least 90% of the seats are taken (a cap of 0 seats never alerts)."""
    return seats > 0 and seated * NEARLY_FULL_DENOMINATOR >= seats * NEARLY_FULL_NUMERATOR


def nearly_full_key(*, initiative_id: int, cap: str, seats: int, user_id: int) -> str:
    return f"alert.nearly_full:{initiative_id}:{cap}:{seats}:u{user_id}"


def guardian_reminders_plan(*, now: datetime) -> int:
    """Add the guardian consent reminders that are due. Two queries plus the outbox's."""
    registered_before = now - timedelta(days=guardian_reminder_days())
    link_valid_after = now - timedelta(days=settings.DIALOGUE_HUB_GUARDIAN_LINK_DAYS)
    waiting = (
        Participant.objects.filter(
            age_band__in=MINOR_AGE_BANDS,
            guardian_consented_at__isnull=True,
            created_at__lte=registered_before,
            created_at__gt=link_valid_after,
        )
        .exclude(status=Status.WITHDRAWN)
        .exclude(guardian_email="")
        .exclude(initiative__phase=Phase.CLOSED)
        .values_list("pk", "initiative_id", "guardian_email", "preferred_language")
    )
    rows = [
        {
            "kind": "participant.guardian_reminder",
            "to": guardian_email,
            "key": f"participant.guardian_reminder:{pk}",
            "initiative": initiative_id,
            "language": language,
            "params": {"participant": pk},
        }
        for pk, initiative_id, guardian_email, language in waiting
    ]
    return outbox.outbox_add_many(_with_initiative_ids(rows))


def _with_initiative_ids(rows: list[dict]) -> list[dict]:
    """The outbox takes an initiative instance; a sweep has only ids. An unsaved instance with
    its primary key set is all a foreign key needs (no query)."""
    for row in rows:
        row["initiative"] = Initiative(pk=row["initiative"])
    return rows


def nearly_full_caps() -> list[dict]:
    """Every cap (initiative or role) of an initiative open for registration that is at least
    90% taken: [{"initiative": id, "cap": "total" | role, "seats": n, "seated": n}]. Three
    queries."""
    open_initiatives = RegistrationSettings.objects.filter(is_open=True).exclude(
        initiative__phase=Phase.CLOSED
    )
    initiative_caps = dict(
        open_initiatives.filter(max_participants__gt=0).values_list(
            "initiative_id", "max_participants"
        )
    )
    role_caps = list(
        RoleCap.objects.filter(
            initiative_id__in=open_initiatives.values("initiative_id"), seats__gt=0
        ).values_list("initiative_id", "role_category", "seats")
    )
    wanted = set(initiative_caps) | {initiative_id for initiative_id, _role, _seats in role_caps}
    if not wanted:
        return []
    seated_by_role: dict[int, dict[str, int]] = defaultdict(dict)
    for initiative_id, role, n in (
        Participant.objects.filter(initiative_id__in=wanted, seat_number__isnull=False)
        .order_by()
        .values("initiative_id", "role_category")
        .annotate(n=Count("pk"))
        .values_list("initiative_id", "role_category", "n")
    ):
        seated_by_role[initiative_id][role] = n
    caps = []
    for initiative_id, seats in initiative_caps.items():
        seated = sum(seated_by_role[initiative_id].values())
        if is_nearly_full(seated=seated, seats=seats):
            caps.append(
                {"initiative": initiative_id, "cap": TOTAL_CAP, "seats": seats, "seated": seated}
            )
    for initiative_id, role, seats in role_caps:
        seated = seated_by_role[initiative_id].get(role, 0)
        if is_nearly_full(seated=seated, seats=seats):
            caps.append(
                {"initiative": initiative_id, "cap": role, "seats": seats, "seated": seated}
            )
    return caps


def nearly_full_alerts_plan(*, now: datetime) -> int:
    """Alert each organizer of an initiative with a nearly full cap, once per cap and size."""
    caps = nearly_full_caps()
    if not caps:
        return 0
    organizers = defaultdict(list)
    for initiative_id, user_id, email, language in Membership.objects.filter(
        initiative_id__in={cap["initiative"] for cap in caps},
        role=Role.ORGANIZER,
        user__is_active=True,
    ).values_list("initiative_id", "user_id", "user__email", "user__preferred_language"):
        organizers[initiative_id].append((user_id, email, language))
    rows = [
        {
            "kind": "alert.nearly_full",
            "to": email,
            "key": nearly_full_key(
                initiative_id=cap["initiative"], cap=cap["cap"], seats=cap["seats"], user_id=user_id
            ),
            "initiative": cap["initiative"],
            "language": language,
            "params": {
                "initiative": cap["initiative"],
                "cap": cap["cap"],
                "seats": cap["seats"],
                "user": user_id,
            },
            "send_after": now,
        }
        for cap in caps
        for user_id, email, language in organizers[cap["initiative"]]
    ]
    return outbox.outbox_add_many(_with_initiative_ids(rows))


def reminders_plan(*, now: datetime | None = None) -> dict:
    """Plan every email of the participants app that is due now (beat: hourly)."""
    now = now or timezone.now()
    return {
        "guardian_reminders": guardian_reminders_plan(now=now),
        "nearly_full_alerts": nearly_full_alerts_plan(now=now),
    }
