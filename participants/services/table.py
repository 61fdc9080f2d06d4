"""Sign-up table mode: a staff member hands a shared tablet to the people at a community
event. Starting it is recorded; the sign-ups made at the table are credited to the event's
outreach record (services.registration, `outreach_activity`). The session side (signing the
staff member out, the table's marker) is in views/table.py."""

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from dialogue_hub.exceptions import DomainError
from initiatives.models import CoalitionMembership, Initiative
from initiatives.services import activity_record

from ..models import Channel, OutreachActivity
from . import outreach, registration


@transaction.atomic
def table_mode_start(
    *,
    user,
    initiative: Initiative,
    activity: OutreachActivity | None = None,
    event_name: str = "",
    happened_on: date | None = None,
    partner: CoalitionMembership | None = None,
) -> OutreachActivity:
    """Start a sign-up table for `activity` (one of the initiative's outreach records) or for a
    new community event named `event_name` (logged as outreach, channel "community event").
    Returns the outreach record the table's sign-ups are credited to."""
    settings_row = registration.registration_settings_for(initiative)
    if not registration.registration_is_open(settings_row):
        raise DomainError(_("Registration is closed. Open it in the registration settings first."))
    if activity is not None:
        if activity.initiative_id != initiative.pk:
            raise DomainError(_("Choose an outreach record of this initiative."), field="activity")
    else:
        event_name = (event_name or "").strip()
        if not event_name:
            raise DomainError(
                _("Choose the event from the list, or give the name of a new one."),
                field="event_name",
            )
        if happened_on is None:
            raise DomainError(_("Give the date of the event."), field="happened_on")
        activity = outreach.outreach_activity_create(
            user=user,
            initiative=initiative,
            partner=partner,
            channel=Channel.EVENT,
            segment=event_name,
            people_reached=0,
            happened_on=happened_on,
        )
    activity_record(
        initiative=initiative,
        actor=user,
        action="registration.table_started",
        target=activity,
        label=activity.segment,
    )
    return activity


def table_mode_end(*, user, initiative: Initiative, activity: OutreachActivity | None) -> None:
    """Record that `user` signed in again and ended the sign-up table."""
    activity_record(
        initiative=initiative,
        actor=user,
        action="registration.table_ended",
        target=activity,
        label=activity.segment if activity else "",
    )
