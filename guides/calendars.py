"""Calendars (.ics): one file per meeting, and private subscribable feeds for a participant
(their circle's meetings) and for a facilitator or recorder (all meetings of their circles).

Feeds need no login: the link carries a signed token, with its own salt per kind so a token
for one kind (or for a participant's registration link) never opens another. Tokens do not
expire (calendar apps keep polling the same address); they stop working when the participant
withdraws or the staff member leaves the initiative's team.

What goes into a feed: circle name, session title, times in UTC, status, the place (venue and
address, or the online link) and the initiative's name. Never a participant's name.
"""

from datetime import timedelta
from urllib.parse import urlparse

from django.conf import settings
from django.core import signing
from django.http import Http404
from django.urls import reverse
from icalendar import Calendar, Event, vText

from dialogue_hub.emails import absolute_url
from initiatives.models import Initiative
from participants.models import Participant

from . import texts
from .models import CircleSession, MeetingStatus

PARTICIPANT_FEED_SALT = "guides.calendar.participant"
STAFF_FEED_SALT = "guides.calendar.staff"
PRODID = "-//Dialogue Hub//Circle meetings//EN"


# --- tokens and links ---------------------------------------------------------------------------


def _signer(salt: str) -> signing.Signer:
    # No timestamp: the same person always gets the same address, and it does not expire.
    return signing.Signer(salt=salt)


def participant_feed_token(participant: Participant) -> str:
    return _signer(PARTICIPANT_FEED_SALT).sign_object({"p": participant.public_id.hex})


def staff_feed_token(user, initiative: Initiative) -> str:
    return _signer(STAFF_FEED_SALT).sign_object({"u": user.pk, "i": initiative.pk})


def participant_feed_url(participant: Participant) -> str:
    """The full address of a participant's private calendar feed (for emails and pages)."""
    return absolute_url(
        reverse("guides:participant_feed", kwargs={"token": participant_feed_token(participant)})
    )


def staff_feed_url(user, initiative: Initiative) -> str:
    """The full address of a facilitator's or recorder's private calendar feed."""
    return absolute_url(
        reverse("guides:staff_feed", kwargs={"token": staff_feed_token(user, initiative)})
    )


def webcal_url(url: str) -> str:
    """The same feed as a webcal:// link, which calendar apps open as a subscription."""
    parsed = urlparse(url)
    return parsed._replace(scheme="webcal").geturl()


def load_token(token: str, salt: str) -> dict:
    try:
        data = _signer(salt).unsign_object(token)
    except (signing.BadSignature, ValueError) as exc:
        raise Http404 from exc
    if not isinstance(data, dict):
        raise Http404
    return data


# --- building the calendar ----------------------------------------------------------------------


def _uid_host() -> str:
    return urlparse(settings.DIALOGUE_HUB_BASE_URL).hostname or "dialogue-hub"


def meeting_uid(meeting: CircleSession) -> str:
    """Stable for the meeting's whole life, so calendar apps update it instead of adding a copy."""
    return f"circle-meeting-{meeting.pk}@{_uid_host()}"


def meeting_sequence(meeting: CircleSession) -> int:
    """Grows every time the meeting is changed (rescheduled, cancelled, moved venue)."""
    return max(0, int((meeting.updated_at - meeting.created_at).total_seconds()))


def meeting_location(meeting: CircleSession, language: str | None = None):
    """Where the meeting is, in `language` (default: the active one), a Translated (guides/texts.py)."""
    return texts.meeting_location(meeting, language)


def _event(meeting: CircleSession) -> Event:
    circle = meeting.circle
    event = Event()
    event.add("uid", meeting_uid(meeting))
    event.add("sequence", meeting_sequence(meeting))
    event.add("dtstamp", meeting.updated_at)
    event.add("last-modified", meeting.updated_at)
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.starts_at + timedelta(minutes=meeting.duration_minutes))
    title = meeting.title or f"#{meeting.number}"
    event.add("summary", f"{circle.name}: {title}")
    event.add("description", f"{circle.initiative.name} — {circle.name} #{meeting.number}")
    location = meeting_location(meeting)
    if location:
        event.add("location", str(location))
    if circle.online_link and not meeting.venue_name and not circle.venue_name:
        event.add("url", circle.online_link)
    cancelled = meeting.status == MeetingStatus.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
    return event


def build_calendar(meetings, *, name: str) -> bytes:
    """An iCalendar document (bytes) with one event per meeting."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    # An X- property has no known type: say it is text, so a line break in a name is escaped
    # (icalendar refuses to write it raw).
    calendar.add("x-wr-calname", vText(name))
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    for meeting in meetings:
        calendar.add_component(_event(meeting))
    return calendar.to_ical()
