"""Writes of safety cases: opening one from a session log's safety concern (log_save calls it)
or from a participant's own report, acknowledging it, resolving it. Keyword-only, atomic and
logged (the case and its category, never what it says). A case is never deleted.

Opening a case emails the initiative's organizers and the circle's staff at once through the
outbox ("safety.case_opened": who reported it, what category, how severe, a link; never the
text, which stays on the case's page).
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dialogue_hub import outbox, ratelimit
from dialogue_hub.exceptions import DomainError
from initiatives.models import Membership
from initiatives.services import activity_record

from ..models import (
    CircleMember,
    SafetyCase,
    SafetyCategory,
    SafetySeverity,
    SafetySource,
    SafetyStatus,
    SessionLog,
)
from ..permissions import can_see_case
from ..selectors.logs import member_names
from ..selectors.safety import case_recipients
from . import logs as log_services  # logs calls case_from_log: a module import, read at call time

OPENED = "safety.case_opened"
MAX_RESOLUTION = 4000
# A private link that reports more than this in an hour is held back (each report emails the
# organizers); the count lives in the cache only, so it keeps no trace of anonymous reports.
DUPLICATE_SECONDS = 600
REPORTS_PER_HOUR = 5


def _record(*, user, case: SafetyCase, action: str, details: dict | None = None) -> None:
    activity_record(
        initiative=case.initiative,
        actor=user,
        action=action,
        target=case,
        details={"category": case.category, "severity": case.severity, **(details or {})},
    )


def _check_choices(category: str, severity: str) -> None:
    if category not in SafetyCategory.values:
        raise DomainError(_("Choose what kind of concern it is."), field="safety_category")
    if severity not in SafetySeverity.values:
        raise DomainError(_("Choose how serious it is."), field="safety_severity")


def case_notices_add(*, case: SafetyCase, reported_by=None) -> int:
    """Email the case's organizers and circle staff now (not the person who reported it)."""
    added = 0
    for user in case_recipients(case):
        if reported_by is not None and user.pk == reported_by.pk:
            continue
        row = outbox.outbox_add(
            kind=OPENED,
            to=user.email,
            key=f"{OPENED}:{case.pk}:u{user.pk}",
            initiative=case.initiative,
            language=user.preferred_language,
            params={"case": case.pk, "user": user.pk},
        )
        added += row is not None
    return added


def _open(**fields) -> SafetyCase:
    circle = fields.get("circle")
    case = SafetyCase.objects.create(circle_name=circle.name if circle else "", **fields)
    case_notices_add(case=case, reported_by=fields.get("reported_by"))
    return case


def case_from_log(*, user, log: SessionLog, category: str, severity: str) -> SafetyCase | None:
    """After a log is saved (inside log_save's transaction): its safety concern becomes a case
    the first time it is written; later edits of the draft carry the text, category and
    severity to the case while it is not resolved. Clearing the text leaves the case as it is."""
    text = log.safety_concerns.strip()
    if not text:
        return None
    _check_choices(category, severity)
    case = SafetyCase.objects.select_for_update().filter(log=log).first()
    if case is None:
        case = _open(
            initiative=log.meeting.circle.initiative,
            circle=log.meeting.circle,
            log=log,
            source=SafetySource.LOG,
            category=category,
            severity=severity,
            description=text,
            reported_by=user,
        )
        _record(user=user, case=case, action="safety.case_opened")
        return case
    changed = {"description": text, "category": category, "severity": severity}
    changed = {k: v for k, v in changed.items() if getattr(case, k) != v}
    if changed and case.status != SafetyStatus.RESOLVED:
        for name, value in changed.items():
            setattr(case, name, value)
        case.save(update_fields=[*changed, "updated_at"])
        _record(user=user, case=case, action="safety.case_updated", details={"fields": [*changed]})
    return case


@transaction.atomic
def case_report(
    *,
    participant,
    category: str,
    description: str,
    named: bool,
    organizers_only: bool = False,
) -> SafetyCase:
    """A participant raises a concern from their private link: about their circle if they are
    placed, with their name or anonymously (then the case does not say who). A report that
    names people is kept as written and marked so: it is shown on the case's page only."""
    description = (description or "").strip()
    if not description:
        raise DomainError(_("Tell us what happened."), field="description")
    if len(description) > log_services.MAX_TEXT:
        raise DomainError(
            _("Keep this under %(n)d characters.") % {"n": log_services.MAX_TEXT},
            field="description",
        )
    if category not in SafetyCategory.values:
        raise DomainError(_("Choose what kind of concern it is."), field="category")
    if not ratelimit.allow(
        f"safety-report:{participant.pk}", limit=REPORTS_PER_HOUR, window_seconds=3600
    ):
        raise DomainError(
            _(
                "You have sent several reports in the last hour: the organizers have them. "
                "If someone is in danger now, call the emergency number."
            )
        )
    # The same report sent twice (a double tap) opens one case and emails once. Kept in the
    # cache for ten minutes, as the hourly limit is, so nothing marks an anonymous reporter.
    digest = hashlib.sha256(f"{category}\n{description}".encode()).hexdigest()[:32]
    if not cache.add(f"safety-report-sent:{participant.pk}:{digest}", 1, DUPLICATE_SECONDS):
        raise DomainError(_("We already have this report: the organizers have been told."))
    membership = CircleMember.objects.select_related("circle").filter(participant=participant)
    circle = membership.first().circle if membership.exists() else None
    case = _open(
        initiative=participant.initiative,
        circle=circle,
        source=SafetySource.PARTICIPANT,
        category=category,
        # Someone reporting it themselves is heard the same day.
        severity=SafetySeverity.HIGH
        if category in (SafetyCategory.THREAT, SafetyCategory.DISCLOSURE)
        else SafetySeverity.MEDIUM,
        description=description,
        names_people=bool(circle)
        and log_services.contains_a_name(description, member_names(circle=circle)),
        organizers_only=organizers_only or circle is None,
        participant=participant if named else None,
    )
    _record(user=None, case=case, action="safety.case_reported", details={"named": named})
    return case


def _locked(*, user, case: SafetyCase) -> SafetyCase:
    case = SafetyCase.objects.select_for_update().select_related("initiative").get(pk=case.pk)
    roles = set(
        Membership.objects.filter(user=user, initiative_id=case.initiative_id).values_list(
            "role", flat=True
        )
    )
    if not can_see_case(user, roles, case):
        raise DomainError(_("Only organizers and the circle's staff can follow up this case."))
    return case


@transaction.atomic
def case_acknowledge(*, user, case: SafetyCase) -> SafetyCase:
    """Someone has taken the case up: open → acknowledged (who, when)."""
    case = _locked(user=user, case=case)
    if case.status != SafetyStatus.OPEN:
        raise DomainError(_("This case was already acknowledged."))
    case.status = SafetyStatus.ACKNOWLEDGED
    case.acknowledged_by = user
    case.acknowledged_at = timezone.now()
    case.save(update_fields=["status", "acknowledged_by", "acknowledged_at", "updated_at"])
    _record(user=user, case=case, action="safety.case_acknowledged")
    return case


@transaction.atomic
def case_resolve(*, user, case: SafetyCase, resolution: str) -> SafetyCase:
    """Close the case with a note of what was done (who, when). An open case is acknowledged
    by the same step. A resolved case stays: it is never deleted."""
    case = _locked(user=user, case=case)
    if case.status == SafetyStatus.RESOLVED:
        raise DomainError(_("This case is already resolved."))
    resolution = (resolution or "").strip()
    if not resolution:
        raise DomainError(_("Say what was done before resolving the case."), field="resolution")
    if len(resolution) > MAX_RESOLUTION:
        raise DomainError(
            _("Keep this under %(n)d characters.") % {"n": MAX_RESOLUTION}, field="resolution"
        )
    now = timezone.now()
    if case.status == SafetyStatus.OPEN:
        case.acknowledged_by, case.acknowledged_at = user, now
    case.status = SafetyStatus.RESOLVED
    case.resolved_by, case.resolved_at, case.resolution = user, now, resolution
    case.save()
    _record(user=user, case=case, action="safety.case_resolved")
    return case
