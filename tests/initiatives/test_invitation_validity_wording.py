"""Invitation validity wording: "the link works for N days" (the message after sending) and
"valid until <date>" (the team page, the email) come from one reckoning, so today + N days is
the date shown, whatever the time of day the invitation is sent, in the initiative's time zone."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from freezegun import freeze_time

from initiatives.models import Invitation

pytestmark = pytest.mark.django_db

WORKS_FOR = re.compile(r"works for (\d+) days?, until ([^.<]+\.?[^.<]*)\.")
VALID_UNTIL = re.compile(r"Valid until ([^<]+)</td>")
EXPIRES_ON = re.compile(r"expires on (.+)\.\s*$", re.M)


@pytest.mark.parametrize("zone", ["UTC", "America/Chicago"])
@pytest.mark.parametrize("clock", ["00:00:01", "23:59:59"])
def test_works_for_n_days_and_valid_until_agree_at_any_time_of_day(
    client, initiative, member_of, django_capture_on_commit_callbacks, zone, clock
):
    initiative.timezone = zone
    initiative.save(update_fields=["timezone"])
    client.force_login(member_of(initiative))
    local = datetime.fromisoformat(f"2026-11-22T{clock}").replace(tzinfo=ZoneInfo(zone))
    with freeze_time(local, tick=True):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("initiatives:invite", args=[initiative.slug]),
                {"email": "new.member@example.org", "role": "facilitator"},
                follow=True,
            )
        today = timezone.localdate(timezone=ZoneInfo(zone))
        page = response.content.decode()

        found = WORKS_FOR.search(page)
        assert found, "the message after sending says how long the link works, and until when"
        days, until_in_message = int(found.group(1)), found.group(2).strip()
        expected_until = date_format(today + timedelta(days=days), "DATE_FORMAT")
        assert days == settings.DIALOGUE_HUB_INVITATION_DAYS
        assert until_in_message == expected_until
        assert VALID_UNTIL.search(page).group(1).strip() == expected_until
        [email] = mail.outbox
        assert EXPIRES_ON.search(email.body).group(1) == expected_until


def test_validity_counts_calendar_days_to_the_expiry_date(initiative):
    now = timezone.now()
    invitation = Invitation(initiative=initiative, expires_at=now + timedelta(days=3))
    validity = invitation.validity(now)
    today = timezone.localdate(now, timezone=ZoneInfo(initiative.timezone))
    assert validity.until == today + timedelta(days=validity.days)
    assert validity.days == 3
    assert (
        Invitation(initiative=initiative, expires_at=now - timedelta(days=1)).validity(now).days
        == 0
    )
