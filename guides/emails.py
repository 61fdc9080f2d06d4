"""The emails the guides app sends, built at sending time from the database (see
dialogue_hub/outbox.py): meeting reminders, "write up your notes" nudges, organizer alerts,
rescheduled and cancelled notices, circle placement notices, and the .ics of a person's
circle meetings added to the participants app's welcome and confirmation emails.

Reminders, moved and cancelled meetings, placements and nudges have a text message version
too (templates/texts/<name>.txt, `text=` below), rendered from the same builder's context, so a
text that no longer applies is refused (`Stale`) exactly like its email.

Registered in GuidesConfig.ready(). Every builder checks that its message still applies
(the meeting did not move, was not cancelled, the person is still in the circle) and raises
`outbox.Stale` otherwise, so the row ends cancelled instead of sending something wrong.
Rows are planned in guides/services/reminders.py.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext_lazy as _

from dialogue_hub import outbox
from dialogue_hub.emails import absolute_url
from initiatives.models import Membership, Role
from participants.models import Participant
from participants.services import registration as participant_services

from . import calendars, texts
from .models import (
    CircleMember,
    CircleSession,
    CircleStaff,
    LogStatus,
    MeetingStatus,
    MoveRequest,
    MoveRequestStatus,
    SafetyCase,
    SafetySource,
    SessionLog,
)
from .permissions import can_approve_log, can_see_case
from .selectors import needs as need_selectors
from .selectors import participant as participant_selectors
from .selectors import reminders as reminder_selectors
from .selectors.circles import facilitators
from .selectors.participant import time_slot_label
from .services import reminders as reminder_services
from .services import requests as request_services
from .services import safety as safety_services

User = get_user_model()
ICS_MIMETYPE = "text/calendar"


# --- loading and checking ------------------------------------------------------------------------


def _id(value):
    """An id from a message's params (JSON), or None for anything else."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def prefetch_meetings(messages) -> dict:
    """What a batch of meeting emails needs, in eight queries whatever its size: the meetings,
    the recipients' places in their circles, the staff accounts, who staffs which circle, who
    is excused in advance and, for staff, the meetings' needs and what of them is arranged."""
    meeting_ids = {_id(m.params.get("meeting")) for m in messages} - {None}
    meetings = {
        meeting.pk: meeting
        for meeting in CircleSession.objects.select_related(
            "circle", "circle__initiative", "guide_session"
        )
        .order_by()
        .filter(pk__in=meeting_ids)
    }
    circle_ids = {meeting.circle_id for meeting in meetings.values()}
    participant_ids = {_id(m.params.get("participant")) for m in messages} - {None}
    user_ids = {_id(m.params.get("user")) for m in messages} - {None}
    memberships = {
        (member.participant_id, member.circle_id): member
        for member in CircleMember.objects.select_related(
            "participant", "participant__initiative", "circle"
        )
        .order_by()
        .filter(participant_id__in=participant_ids, circle_id__in=circle_ids)
    }
    users = {user.pk: user for user in User.objects.filter(pk__in=user_ids, is_active=True)}
    staff = set(
        CircleStaff.objects.filter(user_id__in=user_ids, circle_id__in=circle_ids).values_list(
            "user_id", "circle_id"
        )
    )
    needs = need_selectors.meeting_needs(meetings.values()) if users else {}
    return {
        "meetings": meetings,
        "memberships": memberships,
        "users": users,
        "staff": staff,
        "needs": needs,
        "excused": participant_selectors.excused_by_meeting(meetings),
    }


def _prefetched(message):
    return getattr(message, "prefetched", None)


def _meeting(message) -> CircleSession:
    cache = _prefetched(message)
    if cache is not None:
        meeting = cache["meetings"].get(_id(message.params.get("meeting")))
        if meeting is None:
            raise outbox.Stale("The meeting was removed from the schedule.")
        return meeting
    # order_by(): no default ordering (it joins the circle) for a lookup by primary key.
    try:
        return (
            CircleSession.objects.select_related("circle", "circle__initiative", "guide_session")
            .order_by()
            .get(pk=message.params.get("meeting"))
        )
    except (CircleSession.DoesNotExist, ValueError, TypeError) as exc:
        raise outbox.Stale("The meeting was removed from the schedule.") from exc


def _check_time(meeting: CircleSession, message) -> None:
    if message.scheduled_for is not None and meeting.starts_at != message.scheduled_for:
        raise outbox.Stale("The meeting was moved to another time.")


def _check_upcoming(meeting: CircleSession, message) -> None:
    if meeting.status == MeetingStatus.CANCELLED:
        raise outbox.Stale("The meeting was cancelled.")
    _check_time(meeting, message)
    if meeting.starts_at <= timezone.now():
        raise outbox.Stale("The meeting has already started.")


def _membership_of(message, circle_id) -> CircleMember:
    """The participant's place in this circle (one query), or Stale when they withdrew, left
    the circle or their registration was deleted."""
    cache = _prefetched(message)
    if cache is not None:
        membership = cache["memberships"].get((_id(message.params.get("participant")), circle_id))
    else:
        membership = (
            CircleMember.objects.select_related("participant", "participant__initiative", "circle")
            .order_by()
            .filter(participant_id=message.params.get("participant"), circle_id=circle_id)
            .first()
        )
    if membership is None:
        raise outbox.Stale("The person is no longer in this circle.")
    if membership.participant.status in reminder_selectors.SILENT_STATUSES:
        raise outbox.Stale("The person no longer takes part.")
    return membership


def _participant_in(message, circle_id: int) -> Participant:
    return _membership_of(message, circle_id).participant


def _staff_of(message, circle_id: int):
    cache = _prefetched(message)
    if cache is not None:
        user = cache["users"].get(_id(message.params.get("user")))
        on_staff = user is not None and (user.pk, circle_id) in cache["staff"]
    else:
        user = User.objects.filter(pk=message.params.get("user"), is_active=True).first()
        on_staff = (
            user is not None and CircleStaff.objects.filter(user=user, circle_id=circle_id).exists()
        )
    if user is None:
        raise outbox.Stale("The account is gone or inactive.")
    if not on_staff:
        raise outbox.Stale("The person is no longer on this circle's staff.")
    return user


def _page_url(meeting, url_name: str, pk: int) -> str:
    """The absolute link to a page of the meeting's initiative that takes a pk."""
    slug = meeting.circle.initiative.slug
    return absolute_url(reverse(url_name, kwargs={"slug": slug, "pk": pk}))


def _excused(message, meeting: CircleSession) -> set[int]:
    """Who said they can't make this meeting (from the batch's prefetch when there is one)."""
    cache = _prefetched(message)
    if cache is not None and "excused" in cache:
        return cache["excused"].get(meeting.pk, set())
    return participant_selectors.excused_by_meeting([meeting.pk]).get(meeting.pk, set())


def _recipient(message, meeting: CircleSession) -> dict:
    """Who the message is for, and the page their links open."""
    circle = meeting.circle
    if "participant" in message.params:
        participant = _participant_in(message, circle.pk)
        return {
            "participant": participant,
            "name": participant.name,
            "is_staff": False,
            "page_url": circle_page_url(participant),
        }
    user = _staff_of(message, circle.pk)
    return {
        "user": user,
        "name": user.display_name,
        "is_staff": True,
        "page_url": _page_url(meeting, "guides:attendance", meeting.pk),
        "feed_url": calendars.staff_feed_url(user, circle.initiative),
    }


# --- presenting ----------------------------------------------------------------------------------


def circle_page_url(participant: Participant) -> str:
    """The participant's private circle page (their manage link's token, signed now)."""
    token = participant_services.make_token(participant, participant_services.MANAGE_SALT)
    return absolute_url(reverse("guides:participant_circle", kwargs={"token": token}))


def local_when(starts_at: datetime, *, initiative, language: str) -> dict:
    """Date and time of a meeting on the initiative's wall clock, formatted in `language`."""
    local = timezone.localtime(starts_at, zoneinfo.ZoneInfo(initiative.timezone))
    with translation.override(language):
        return {
            "date": date_format(local, "DATE_FORMAT"),
            "day": date_format(local, "MONTH_DAY_FORMAT"),  # no year: for text messages
            "time": time_format(local, "TIME_FORMAT"),
            "weekday": date_format(local, "l"),
            "zone": initiative.timezone,
        }


def _meeting_context(meeting: CircleSession, message) -> dict:
    """What every email about a meeting says of it. The same for each of its recipients who
    reads the same language: a batch works it out once (kept in the batch's prefetch)."""
    cache = _prefetched(message)
    memo = cache.setdefault("meeting_contexts", {}) if cache is not None else {}
    key = (meeting.pk, message.language)
    if key not in memo:
        memo[key] = _meeting_facts(meeting, message.language)
    return memo[key]


def _meeting_facts(meeting: CircleSession, language: str) -> dict:
    circle = meeting.circle
    initiative = circle.initiative
    return {
        "initiative": initiative,
        "circle": circle,
        "meeting": meeting,
        # The organizers' texts in the reader's language, or marked as the first language's.
        "meeting_title": texts.meeting_title(meeting, language),
        "when": local_when(meeting.starts_at, initiative=initiative, language=language),
        "location": calendars.meeting_location(meeting, language),
        "address": circle.venue_address,
        "online_link": circle.online_link,
    }


# The .ics of one meeting, by everything it is made of: a sweep sends the same meeting to
# its whole circle, and the calendar is the same for each of them.
_ICS_CACHE: dict[tuple, str] = {}
_ICS_CACHE_SIZE = 256


def meeting_ics(meeting: CircleSession) -> tuple[str, str, str]:
    circle = meeting.circle
    version = (meeting.pk, meeting.updated_at, circle.updated_at, circle.initiative.updated_at)
    content = _ICS_CACHE.get(version)
    if content is None:
        content = calendars.build_calendar([meeting], name=circle.name).decode()
        if len(_ICS_CACHE) >= _ICS_CACHE_SIZE:
            _ICS_CACHE.clear()
        _ICS_CACHE[version] = content
    return (f"meeting-{meeting.pk}.ics", content, ICS_MIMETYPE)


def circle_ics(circle, meetings) -> tuple[str, str, str]:
    content = calendars.build_calendar(meetings, name=circle.name)
    return (f"circle-{circle.pk}.ics", content.decode(), ICS_MIMETYPE)


def upcoming_meetings(circle_id: int):
    return list(
        CircleSession.objects.filter(
            circle_id=circle_id, status=MeetingStatus.SCHEDULED, starts_at__gt=timezone.now()
        )
        .select_related("circle", "circle__initiative", "guide_session")
        .order_by("starts_at", "number")
    )


# --- builders ------------------------------------------------------------------------------------


def _to_team_member(message, meeting, user, template: str, **context) -> outbox.Built:
    """An email to one team member about a meeting (the nudge, the log to approve, the alert):
    the meeting's context, their name and `context` (the page it links to)."""
    return outbox.Built(
        template=template,
        context={**_meeting_context(meeting, message), "name": user.display_name, **context},
    )


def build_reminder(message) -> outbox.Built:
    meeting = _meeting(message)
    _check_upcoming(meeting, message)
    recipient = _recipient(message, meeting)
    excused = _excused(message, meeting)
    if not recipient["is_staff"] and recipient["participant"].pk in excused:
        raise outbox.Stale("The person said they can't make this meeting.")
    context = {
        **_meeting_context(meeting, message),
        **recipient,
        "hours": message.params.get("hours"),
    }
    if recipient["is_staff"]:
        # The staff's reminder lists what the people coming need that is not arranged yet,
        # and how many said they can't make it.
        context.update(
            unarranged=_unarranged(message, meeting),
            sheet_url=_sheet_url(meeting),
            excused_count=len(excused),
        )
    return outbox.Built(
        template="meeting_reminder", context=context, attachments=[meeting_ics(meeting)]
    )


def build_rescheduled(message) -> outbox.Built:
    meeting = _meeting(message)
    # Moved again: the newer notice goes instead. Cancelled since: the cancellation goes.
    if meeting.status == MeetingStatus.CANCELLED:
        raise outbox.Stale("The meeting was cancelled.")
    _check_time(meeting, message)
    initiative = meeting.circle.initiative
    old_start = parse_datetime(message.params.get("old_start") or "")
    return outbox.Built(
        template="meeting_rescheduled",
        context={
            **_meeting_context(meeting, message),
            **_recipient(message, meeting),
            "was_cancelled": bool(message.params.get("was_cancelled")),
            "old_when": local_when(old_start, initiative=initiative, language=message.language)
            if old_start
            else None,
        },
        attachments=[meeting_ics(meeting)],
    )


def build_cancelled(message) -> outbox.Built:
    meeting = _meeting(message)
    if meeting.status != MeetingStatus.CANCELLED:
        raise outbox.Stale("The meeting was scheduled again.")
    _check_time(meeting, message)
    return outbox.Built(
        template="meeting_cancelled",
        context={**_meeting_context(meeting, message), **_recipient(message, meeting)},
        attachments=[meeting_ics(meeting)],
    )


def build_nudge(message) -> outbox.Built:
    meeting = _meeting(message)
    if meeting.status == MeetingStatus.CANCELLED:
        raise outbox.Stale("The meeting was cancelled.")
    if reminder_selectors.written_logs(meeting=meeting).exists():
        raise outbox.Stale("The session log was written meanwhile.")
    user = _staff_of(message, meeting.circle_id)
    log_url = _page_url(meeting, "guides:log_edit", meeting.pk)
    return _to_team_member(message, meeting, user, "log_nudge", log_url=log_url)


def _sheet_url(meeting: CircleSession) -> str:
    slug = meeting.circle.initiative.slug
    return absolute_url(reverse("guides:meeting_sheet", kwargs={"slug": slug, "pk": meeting.pk}))


def _unarranged(message, meeting: CircleSession) -> list:
    """The meeting's needs not arranged yet (from the batch's prefetch when there is one)."""
    cache = _prefetched(message)
    if cache is not None and "needs" in cache:
        needs = cache["needs"].get(meeting.pk)
    else:
        needs = need_selectors.meeting_needs([meeting]).get(meeting.pk)
    return needs.unarranged if needs is not None else []


def build_needs(message) -> outbox.Built:
    """Three days before a meeting, to its staff: what its people need that is not arranged
    yet. Nothing is sent once everything is arranged (or nobody needs anything)."""
    meeting = _meeting(message)
    _check_upcoming(meeting, message)
    user = _staff_of(message, meeting.circle_id)
    unarranged = _unarranged(message, meeting)
    if not unarranged:
        raise outbox.Stale("Everything this meeting's people need is arranged.")
    return outbox.Built(
        template="meeting_needs",
        context={
            **_meeting_context(meeting, message),
            "name": user.display_name,
            "unarranged": unarranged,
            "sheet_url": _sheet_url(meeting),
        },
    )


def build_log_to_approve(message) -> outbox.Built:
    """ "A session log waits for your approval": still true when it is sent (the log is still
    the submission the message was for, and the person may still approve it)."""
    log = (
        SessionLog.objects.select_related(
            "drafted_by", "meeting__circle__initiative", "meeting__guide_session"
        )
        .filter(pk=_id(message.params.get("log")))
        .first()
    )
    if log is None or log.status != LogStatus.SUBMITTED:
        raise outbox.Stale("The log was approved, sent back or removed meanwhile.")
    if log.submitted_at is None or log.submitted_at.isoformat() != message.params.get(
        "submitted_at"
    ):
        raise outbox.Stale("The log was submitted again since.")
    user = User.objects.filter(pk=_id(message.params.get("user")), is_active=True).first()
    if user is None or not can_approve_log(user, log):
        raise outbox.Stale("The person may no longer approve this log.")
    author = log.drafted_by.display_name if log.drafted_by else ""
    log_url = _page_url(log.meeting, "guides:log_detail", log.meeting.pk)
    return _to_team_member(
        message, log.meeting, user, "log_to_approve", author=author, log_url=log_url
    )


def build_safety_case(message) -> outbox.Built:
    """A safety case was opened: to an organizer or a staff member of its circle, who may still
    see it. Says the kind and severity and links to the case; never its text."""
    case = (
        SafetyCase.objects.select_related("initiative")
        .filter(pk=_id(message.params.get("case")))
        .first()
    )
    user = User.objects.filter(pk=_id(message.params.get("user")), is_active=True).first()
    if case is None or user is None:
        raise outbox.Stale("The case or the person's account is gone.")
    roles = Membership.objects.filter(user=user, initiative=case.initiative).values_list(
        "role", flat=True
    )
    if not can_see_case(user, set(roles), case):
        raise outbox.Stale("The person may no longer see this case.")
    return outbox.Built(
        template="safety_case",
        context={
            "initiative": case.initiative,
            "case": case,
            "name": user.display_name,
            "from_log": case.source == SafetySource.LOG,
            "case_url": absolute_url(
                reverse("guides:safety_case", kwargs={"slug": case.initiative.slug, "pk": case.pk})
            ),
        },
    )


def build_no_facilitator(message) -> outbox.Built:
    meeting = _meeting(message)
    _check_upcoming(meeting, message)
    circle = meeting.circle
    if facilitators(circle=circle).exists():
        raise outbox.Stale("The circle has a facilitator now.")
    user = User.objects.filter(pk=message.params.get("user"), is_active=True).first()
    if (
        user is None
        or not Membership.objects.filter(
            user=user, initiative=circle.initiative, role=Role.ORGANIZER
        ).exists()
    ):
        raise outbox.Stale("The person is no longer an organizer.")
    edit_url = _page_url(meeting, "guides:circle_edit", circle.pk)
    return _to_team_member(message, meeting, user, "alert_no_facilitator", edit_url=edit_url)


def _placement(participant: Participant, circle, message) -> tuple[dict, list]:
    """A person's circle as their emails tell it (its coming meetings, where, their page and
    calendar), and the .ics of those meetings to attach."""
    meetings = upcoming_meetings(circle.pk)
    initiative = participant.initiative
    feed_url = calendars.participant_feed_url(participant)
    context = {
        "participant": participant,
        "name": participant.name,
        "initiative": initiative,
        "circle": circle,
        "meetings": [
            {
                "number": m.number,
                "title": texts.meeting_title(m, message.language),
                "when": local_when(m.starts_at, initiative=initiative, language=message.language),
                "location": calendars.meeting_location(m, message.language),
            }
            for m in meetings
        ],
        # The organizers' texts in the reader's language, or marked as the first language's.
        "location": texts.circle_location(circle, message.language),
        "notes": texts.circle_text(circle, "notes", message.language),
        "time_slot": time_slot_label(circle, message.language),
        "online_link": circle.online_link,
        "page_url": circle_page_url(participant),
        "feed_url": feed_url,
        "webcal_url": calendars.webcal_url(feed_url),
        "zone": initiative.timezone,
    }
    return context, [circle_ics(circle, meetings)] if meetings else []


def build_assigned(message) -> outbox.Built:
    membership = _membership_of(message, message.params.get("circle"))
    context, attachments = _placement(membership.participant, membership.circle, message)
    return outbox.Built(template="circle_assigned", context=context, attachments=attachments)


def _move_request(message) -> MoveRequest:
    request = (
        MoveRequest.objects.select_related(
            "initiative", "participant", "participant__initiative", "to_circle"
        )
        .filter(pk=_id(message.params.get("request")))
        .first()
    )
    if request is None or request.status == MoveRequestStatus.PENDING:
        raise outbox.Stale("The request is gone or waits again.")
    return request


def build_move_answer(message) -> outbox.Built:
    """The organizers' answer to a person's request for another circle: on yes, their new
    circle's details (as a placement notice has them); on no, a kind word and their page."""
    request = _move_request(message)
    if request.status == MoveRequestStatus.DECLINED:
        participant = request.participant
        context = {
            "name": participant.name,
            "initiative": participant.initiative,
            "answer": request.answer,
            "page_url": circle_page_url(participant),
        }
        return outbox.Built(template="move_declined", context=context)
    membership = _membership_of(message, request.to_circle_id)
    context, attachments = _placement(membership.participant, membership.circle, message)
    context["answer"] = request.answer
    return outbox.Built(template="move_accepted", context=context, attachments=attachments)


def build_member_joined(message) -> outbox.Built:
    """To the staff of the circle a person was moved into at their request: who joins."""
    request = _move_request(message)
    if request.status != MoveRequestStatus.ACCEPTED or request.to_circle is None:
        raise outbox.Stale("The request was not accepted.")
    circle, participant = request.to_circle, request.participant
    if not CircleMember.objects.filter(participant=participant, circle=circle).exists():
        raise outbox.Stale("The person is no longer in this circle.")
    user = _staff_of(message, circle.pk)
    slug = request.initiative.slug
    return outbox.Built(
        template="member_joined",
        context={
            "name": user.display_name,
            "person": participant.name,
            "circle": circle,
            "initiative": request.initiative,
            "circle_url": absolute_url(
                reverse("guides:circle_detail", kwargs={"slug": slug, "pk": circle.pk})
            ),
        },
    )


def attach_circle_calendar(message, built: outbox.Built) -> None:
    """Extension of the participants app's welcome and confirmation emails: the .ics of the
    person's circle meetings, once they are placed and meetings are scheduled."""
    membership = (
        CircleMember.objects.select_related("circle")
        .filter(participant_id=message.params.get("participant"))
        .first()
    )
    if membership is None:
        return
    meetings = upcoming_meetings(membership.circle_id)
    if meetings:
        built.attachments.append(circle_ics(membership.circle, meetings))


def register_kinds() -> None:
    outbox.register(
        reminder_services.REMINDER,
        label=_("Meeting reminder"),
        category="reminders",
        build=build_reminder,
        prefetch=prefetch_meetings,
        text="meeting_reminder",
    )
    outbox.register(
        reminder_services.NUDGE,
        label=_("Reminder to write up session notes"),
        category="nudges",
        build=build_nudge,
        text="log_nudge",
    )
    outbox.register(
        reminder_services.NO_FACILITATOR,
        label=_("Alert: circle without a facilitator"),
        category="alerts",
        build=build_no_facilitator,
    )
    outbox.register(
        reminder_services.RESCHEDULED,
        label=_("Meeting moved"),
        build=build_rescheduled,
        prefetch=prefetch_meetings,
        text="meeting_rescheduled",
    )
    outbox.register(
        reminder_services.CANCELLED,
        label=_("Meeting cancelled"),
        build=build_cancelled,
        prefetch=prefetch_meetings,
        text="meeting_cancelled",
    )
    outbox.register(
        reminder_services.ASSIGNED,
        label=_("Circle placement"),
        build=build_assigned,
        text="circle_assigned",
    )
    outbox.register(
        reminder_services.NEEDS,
        label=_("What a meeting still needs"),
        category="reminders",
        build=build_needs,
        prefetch=prefetch_meetings,
    )
    outbox.register(
        reminder_services.LOG_TO_APPROVE,
        label=_("A session log to approve"),
        build=build_log_to_approve,
    )
    outbox.register(
        request_services.MOVE_ANSWER,
        label=_("Answer to a request for another circle"),
        build=build_move_answer,
    )
    outbox.register(
        request_services.MEMBER_JOINED,
        label=_("A person moved into your circle"),
        build=build_member_joined,
    )
    outbox.register(safety_services.OPENED, label=_("A safety concern"), build=build_safety_case)
    for kind in ("participant.welcome", "participant.confirm"):
        if attach_circle_calendar not in outbox.EXTENSIONS.get(kind, []):
            outbox.extend(kind, attach_circle_calendar)
