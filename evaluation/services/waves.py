"""An initiative's survey waves: setting them up, their settings, closing and reopening them,
and the planning sweep that asks people to answer.

`surveys_plan()` (Celery beat, every 15 minutes) works per circle:

- pre wave: everyone placed in a circle whose first meeting has not started yet is asked at
  once; they may answer until the first meeting starts (or for `answer_days` when the circle
  has no meeting yet);
- post wave: once a circle's last meeting (not cancelled) has ended, its members are asked;
  they have `answer_days` to answer;
- follow-up: `follow_up_days` after the circle's last meeting, for `answer_days`.

Only people who may be asked (`responses.may_be_asked`: the evaluation consent; a minor only
with it in the guardian's consent) and still take part (not withdrawn, not a no-show) are
asked. Each gets an `Invitation` and an email ("survey.invite") and, `reminder_days` after
opening, one reminder ("survey.reminder") unless they answered or the wave closed (the
builders in evaluation/emails.py check again when sending). Running the sweep twice adds
nothing; its number of queries does not depend on the number of people.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dialogue_hub.exceptions import DomainError
from guides.models import Circle, CircleMember, CircleSession, MeetingStatus
from guides.services.reminders import add_rows
from initiatives.services import activity_record
from participants.models import Status
from participants.selectors.registration import message_routing

from ..library import TRUST_SLUG, library_instrument
from ..models import Instrument, InstrumentKind, Invitation, Wave, WaveKind
from .instruments import instrument_copy
from .responses import evaluation_consents, group_of, may_be_asked

INVITE = "survey.invite"
REMINDER = "survey.reminder"

# People who are never asked (they left, or never came).
NOT_ASKED_STATUSES = (Status.WITHDRAWN, Status.NO_SHOW)

MAX_ANSWER_DAYS = 120
MAX_FOLLOW_UP_DAYS = 365


# --- organizers' settings ----------------------------------------------------------------------


def trust_instrument_for(*, initiative, actor) -> Instrument:
    """The initiative's current trust survey: its own copy (the newest version), else a fresh
    copy of the library's community–police trust survey."""
    own = (
        Instrument.objects.filter(
            initiative=initiative, kind=InstrumentKind.TRUST, replaced_by__isnull=True
        )
        .order_by("-version", "-pk")
        .first()
    )
    if own is not None:
        return own
    library = library_instrument(TRUST_SLUG)
    return instrument_copy(instrument=library, initiative=initiative, actor=actor)


def _check_settings(*, kind: str, answer_days, reminder_days, follow_up_days) -> None:
    if not 1 <= answer_days <= MAX_ANSWER_DAYS:
        raise DomainError(
            ngettext(
                "Give people between 1 and %(n)s day to answer.",
                "Give people between 1 and %(n)s days to answer.",
                MAX_ANSWER_DAYS,
            )
            % {"n": MAX_ANSWER_DAYS},
            field="answer_days",
        )
    if reminder_days < 0 or (reminder_days and reminder_days >= answer_days):
        raise DomainError(
            _("Send the reminder before the time to answer is over (or 0 for no reminder)."),
            field="reminder_days",
        )
    if kind == WaveKind.FOLLOW_UP and not 1 <= follow_up_days <= MAX_FOLLOW_UP_DAYS:
        raise DomainError(
            ngettext(
                "The follow-up comes between 1 and %(n)s day after the last meeting.",
                "The follow-up comes between 1 and %(n)s days after the last meeting.",
                MAX_FOLLOW_UP_DAYS,
            )
            % {"n": MAX_FOLLOW_UP_DAYS},
            field="follow_up_days",
        )


@transaction.atomic
def wave_set_up(
    *,
    initiative,
    kind: str,
    actor,
    answer_days: int = 21,
    reminder_days: int = 5,
    follow_up_days: int = 30,
) -> Wave:
    """Set up one of the initiative's waves with its trust survey (copied from the library
    when the initiative has none yet)."""
    if kind not in WaveKind.values:
        raise DomainError(_("Choose the pre, post or follow-up wave."), field="kind")
    if Wave.objects.filter(initiative=initiative, kind=kind).exists():
        raise DomainError(_("This wave is already set up."), field="kind")
    _check_settings(
        kind=kind,
        answer_days=answer_days,
        reminder_days=reminder_days,
        follow_up_days=follow_up_days,
    )
    wave = Wave.objects.create(
        initiative=initiative,
        kind=kind,
        instrument=trust_instrument_for(initiative=initiative, actor=actor),
        answer_days=answer_days,
        reminder_days=reminder_days,
        follow_up_days=follow_up_days,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    activity_record(
        initiative=initiative, actor=actor, action="evaluation.wave_set_up", target=wave, label=kind
    )
    return wave


@transaction.atomic
def wave_update(*, wave: Wave, actor, answer_days: int, reminder_days: int, follow_up_days: int):
    """Change a wave's timings. They apply to the people asked from now on: those already
    asked keep the dates their email gave them."""
    _check_settings(
        kind=wave.kind,
        answer_days=answer_days,
        reminder_days=reminder_days,
        follow_up_days=follow_up_days,
    )
    wave.answer_days = answer_days
    wave.reminder_days = reminder_days
    wave.follow_up_days = follow_up_days
    wave.save(update_fields=["answer_days", "reminder_days", "follow_up_days", "updated_at"])
    activity_record(
        initiative=wave.initiative,
        actor=actor,
        action="evaluation.wave_updated",
        target=wave,
        label=wave.kind,
    )
    return wave


@transaction.atomic
def wave_close(*, wave: Wave, actor, now: datetime | None = None) -> Wave:
    """Close a wave: nobody is asked or reminded any more and online answers are refused
    (those given are kept). Unsent emails of the wave are cancelled when their time comes."""
    wave = Wave.objects.select_for_update().get(pk=wave.pk)
    if wave.closed_at is not None:
        raise DomainError(_("This wave is already closed."))
    wave.closed_at = now or timezone.now()
    wave.save(update_fields=["closed_at", "updated_at"])
    activity_record(
        initiative=wave.initiative,
        actor=actor,
        action="evaluation.wave_closed",
        target=wave,
        label=wave.kind,
    )
    return wave


@transaction.atomic
def wave_reopen(*, wave: Wave, actor) -> Wave:
    """Reopen a closed wave: people whose time to answer is not over may answer again, and the
    next sweep asks those who came since."""
    wave = Wave.objects.select_for_update().get(pk=wave.pk)
    if wave.closed_at is None:
        raise DomainError(_("This wave is open already."))
    wave.closed_at = None
    wave.save(update_fields=["closed_at", "updated_at"])
    activity_record(
        initiative=wave.initiative,
        actor=actor,
        action="evaluation.wave_reopened",
        target=wave,
        label=wave.kind,
    )
    return wave


# --- the planning sweep ------------------------------------------------------------------------


@dataclass(frozen=True)
class CircleTimes:
    initiative_id: int
    first_start: datetime | None  # the first meeting (not cancelled), or the circle's date
    last_end: datetime | None  # when its last meeting (not cancelled) ends


def circle_times(initiative_ids) -> dict[int, CircleTimes]:
    """Each circle's first meeting start and last meeting end (cancelled meetings left out).
    Two queries."""
    meetings: dict[int, list[tuple[datetime, datetime]]] = {}
    for circle_id, starts_at, minutes in (
        CircleSession.objects.filter(circle__initiative_id__in=initiative_ids)
        .exclude(status=MeetingStatus.CANCELLED)
        .order_by()
        .values_list("circle_id", "starts_at", "duration_minutes")
    ):
        meetings.setdefault(circle_id, []).append(
            (starts_at, starts_at + timedelta(minutes=minutes))
        )
    times = {}
    for circle_id, initiative_id, first_meeting_at in Circle.objects.filter(
        initiative_id__in=initiative_ids
    ).values_list("pk", "initiative_id", "first_meeting_at"):
        found = meetings.get(circle_id)
        if found:
            times[circle_id] = CircleTimes(
                initiative_id=initiative_id,
                first_start=min(start for start, _end in found),
                last_end=max(end for _start, end in found),
            )
        else:
            times[circle_id] = CircleTimes(
                initiative_id=initiative_id, first_start=first_meeting_at, last_end=None
            )
    return times


def window(wave: Wave, times: CircleTimes, now: datetime) -> tuple[datetime, datetime] | None:
    """When this wave asks a circle's members (opens, closes), or None when not now."""
    answer = timedelta(days=wave.answer_days)
    if wave.kind == WaveKind.PRE:
        if times.first_start is None:
            return now, now + answer
        if times.first_start <= now:
            return None  # too late: the dialogues have begun
        return now, times.first_start
    if times.last_end is None:
        return None
    opens = times.last_end
    if wave.kind == WaveKind.FOLLOW_UP:
        opens += timedelta(days=wave.follow_up_days)
    if opens > now:
        return None
    # A wave set up after the circle ended asks its members from then on.
    opens = max(opens, wave.created_at)
    if opens > now:
        return None
    closes = opens + answer
    return (opens, closes) if closes > now else None


def _address(participant) -> str:
    """Where a person's survey emails go: their own address, else (a minor without one) their
    parent's or guardian's, as for the other emails about their registration."""
    return participant.email or participant.guardian_email


def _members(circle_ids):
    """The members of these circles who still take part, with their active consents. Two
    queries."""
    return (
        CircleMember.objects.filter(circle_id__in=circle_ids)
        .exclude(participant__status__in=NOT_ASKED_STATUSES)
        .select_related("participant")
        .prefetch_related(evaluation_consents("participant__consents"))
        .order_by("circle_id", "participant_id")
    )


def _email_row(kind: str, invitation: Invitation, participant, *, send_after) -> dict:
    return dict(
        kind=kind,
        to=_address(participant),
        # With the time the invitation opened: asked again after withdrawing and giving the
        # consent anew, the person gets a new email (the old row keeps its key).
        key=f"{kind}:{invitation.wave_id}:p{participant.pk}:{invitation.opens_at.isoformat()}",
        initiative=invitation.wave.initiative,
        language=participant.preferred_language,
        params={"wave": invitation.wave_id, "participant": participant.pk},
        scheduled_for=invitation.closes_at,
        send_after=send_after,
        # By text too, or instead, as the person chose (participants' one place for it).
        **message_routing(participant, kind),
    )


def _new_invitations(waves: list[Wave], now: datetime) -> list[tuple[Invitation, object]]:
    times = circle_times({wave.initiative_id for wave in waves})
    windows: dict[tuple[int, int], tuple[datetime, datetime]] = {}
    for wave in waves:
        for circle_id, circle_times_ in times.items():
            if circle_times_.initiative_id != wave.initiative_id:
                continue
            found = window(wave, circle_times_, now)
            if found is not None:
                windows[(wave.pk, circle_id)] = found
    if not windows:
        return []
    circle_ids = {circle_id for _wave, circle_id in windows}
    members = list(_members(circle_ids))
    asked = set(Invitation.objects.filter(wave__in=waves).values_list("wave_id", "participant_id"))
    waves_by_initiative: dict[int, list[Wave]] = {}
    for wave in waves:
        waves_by_initiative.setdefault(wave.initiative_id, []).append(wave)
    fresh = []
    for membership in members:
        participant = membership.participant
        if not _address(participant) or not may_be_asked(participant, participant.active_consents):
            continue
        for wave in waves_by_initiative.get(participant.initiative_id, ()):
            found = windows.get((wave.pk, membership.circle_id))
            if found is None or (wave.pk, participant.pk) in asked:
                continue
            invitation = Invitation(
                wave=wave,
                participant=participant,
                group=group_of(participant),
                circle_id=membership.circle_id,
                opens_at=found[0],
                closes_at=found[1],
            )
            fresh.append((invitation, participant))
    return fresh


def _reminder_rows(waves: list[Wave], now: datetime) -> list[dict]:
    """Reminders now due: asked `reminder_days` ago or more, not answered, still open. One
    query."""
    by_pk = {wave.pk: wave for wave in waves if wave.reminder_days}
    if not by_pk:
        return []
    rows = []
    for invitation in (
        Invitation.objects.filter(wave_id__in=list(by_pk), answered=False, closes_at__gt=now)
        .select_related("participant")
        .order_by("pk")
    ):
        wave = by_pk[invitation.wave_id]
        invitation.wave = wave
        due = invitation.opens_at + timedelta(days=wave.reminder_days)
        if due <= now < invitation.closes_at and _address(invitation.participant):
            rows.append(_email_row(REMINDER, invitation, invitation.participant, send_after=due))
    return rows


def surveys_plan(now: datetime | None = None) -> dict[str, int]:
    """Ask the people each open wave asks now, and remind those who have not answered (see the
    module's docstring). Returns how many were invited and how many emails were added."""
    now = now or timezone.now()
    waves = list(Wave.objects.filter(closed_at__isnull=True).select_related("initiative"))
    if not waves:
        return {"invited": 0, "emails": 0}
    with transaction.atomic():
        fresh = _new_invitations(waves, now)
        Invitation.objects.bulk_create(
            [invitation for invitation, _participant in fresh],
            ignore_conflicts=True,
            batch_size=500,
        )
        rows = [
            _email_row(INVITE, invitation, participant, send_after=invitation.opens_at)
            for invitation, participant in fresh
        ]
        rows += _reminder_rows(waves, now)
        emails = add_rows(rows) if rows else 0
    return {"invited": len(fresh), "emails": emails}
