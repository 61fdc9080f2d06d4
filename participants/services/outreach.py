"""Outreach writes: partners' referral links (and remembering one a visitor followed) and
outreach activities. Keyword-only, atomic and logged."""

import secrets
from datetime import date

from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from dialogue_hub.exceptions import DomainError
from dialogue_hub.exceptions import full_clean_or_raise as _validate
from dialogue_hub.services import save_values
from initiatives.models import CoalitionMembership, Initiative
from initiatives.services import activity_record, create_and_record, delete_recorded

from ..models import Channel, OutreachActivity, ReferralLink
from ..selectors.outreach import SESSION_KEY, link_label

OUTREACH_FIELDS = ["partner", "channel", "segment", "people_reached", "happened_on", "notes"]


def _check_partner(*, initiative: Initiative, partner: CoalitionMembership | None) -> None:
    if partner is not None and partner.initiative_id != initiative.pk:
        raise DomainError(
            _("Choose an organization from this initiative's coalition."), field="partner"
        )


def _check_channel(channel: str) -> None:
    if channel not in Channel.values:
        raise DomainError(_("Choose a channel from the list."), field="channel")


# --- referral links: services -----------------------------------------------------------------


def _new_code(partner: CoalitionMembership) -> str:
    """A readable prefix (the organization) and a random part nobody can guess or enumerate."""
    prefix = slugify(partner.organization.name)[:20].strip("-_")
    random_part = secrets.token_urlsafe(8).lower().replace("_", "-").strip("-") or "x"
    return f"{prefix}-{random_part}" if prefix else random_part


CODE_ATTEMPTS = 5


@transaction.atomic
def referral_link_create(
    *,
    user,
    initiative: Initiative,
    partner: CoalitionMembership,
    channel: str = Channel.PARTNER,
    label: str = "",
) -> ReferralLink:
    """Create a referral link for one of the initiative's coalition partners."""
    _check_partner(initiative=initiative, partner=partner)
    if partner is None:
        raise DomainError(_("Choose the partner this link is for."), field="partner")
    _check_channel(channel)
    link = ReferralLink(
        initiative=initiative, partner=partner, channel=channel, label=label.strip()
    )
    _validate(link, exclude=["code"])
    for attempt in range(CODE_ATTEMPTS):
        link.code = _new_code(partner)
        try:
            with transaction.atomic():
                link.save()
            break
        except IntegrityError as exc:  # the code was taken a moment ago: draw another
            if attempt == CODE_ATTEMPTS - 1:
                raise DomainError(_("Could not create the link; please try again.")) from exc
    activity_record(
        initiative=initiative,
        actor=user,
        action="referral.created",
        target=link,
        label=link_label(link),
    )
    return link


@transaction.atomic
def referral_link_delete(*, user, link: ReferralLink) -> None:
    """Delete a link. People who came through it keep their partner; the link stops working."""
    delete_recorded(link, actor=user, action="referral.deleted", label=link_label(link))


def referral_remember(*, request, link: ReferralLink) -> None:
    """Remember in the visitor's session which link they came through (no personal data)."""
    request.session[SESSION_KEY] = link.code


# --- outreach activities: services ------------------------------------------------------------


@transaction.atomic
def outreach_activity_create(
    *,
    user,
    initiative: Initiative,
    partner: CoalitionMembership | None,
    channel: str,
    segment: str,
    people_reached: int,
    happened_on: date,
    notes: str = "",
) -> OutreachActivity:
    _check_partner(initiative=initiative, partner=partner)
    _check_channel(channel)
    activity = OutreachActivity(
        initiative=initiative,
        partner=partner,
        channel=channel,
        segment=segment.strip(),
        people_reached=people_reached,
        happened_on=happened_on,
        notes=notes.strip(),
    )
    return create_and_record(
        activity,
        initiative=initiative,
        actor=user,
        action="outreach.logged",
        label=activity.segment,
    )


@transaction.atomic
def outreach_activity_update(*, user, activity: OutreachActivity, data: dict) -> OutreachActivity:
    if "partner" in data:
        _check_partner(initiative=activity.initiative, partner=data["partner"])
    if "channel" in data:
        _check_channel(data["channel"])
    given = {
        name: data[name].strip() if isinstance(data[name], str) else data[name]
        for name in OUTREACH_FIELDS
        if name in data
    }
    changed = [name for name, value in given.items() if getattr(activity, name) != value]
    if not changed:
        return activity
    save_values(activity, {name: given[name] for name in changed})
    activity_record(
        initiative=activity.initiative,
        actor=user,
        action="outreach.updated",
        target=activity,
        label=activity.segment,
        details={"fields": changed},
    )
    return activity


@transaction.atomic
def outreach_activity_delete(*, user, activity: OutreachActivity) -> None:
    delete_recorded(activity, actor=user, action="outreach.deleted", label=activity.segment)
