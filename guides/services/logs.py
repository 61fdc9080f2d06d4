"""Session logs' writes: the recorder's draft (no participant's name in it), submitting it,
and a facilitator approving it or sending it back. Keyword-only, atomic and logged.
"""

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dialogue_hub.exceptions import DomainError
from initiatives.services import activity_record

from .. import permissions
from ..models import (
    ActionIdea,
    CircleRole,
    CircleSession,
    LogStatus,
    MeetingStatus,
    SessionLog,
)
from ..selectors.logs import member_names
from . import reminders, safety

TEXT_FIELDS = ["agreements", "disagreements", "open_questions", "group_dynamics", "safety_concerns"]
MAX_TEXT = 10_000
MAX_IDEA = 1_000
MAX_IDEAS = 40
MAX_THEME = 80
MAX_THEMES = 20


def _name_pattern(name: str) -> re.Pattern:
    words = [re.escape(word) for word in name.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


def contains_a_name(text: str, names: list[str]) -> bool:
    """True if `text` holds any of the full `names` (case-insensitive, whole words)."""
    if not text:
        return False
    return any(_name_pattern(name).search(text) for name in names)


def name_error() -> str:
    return _(
        "This text names a member of the circle. Record what was said, not who said it: "
        "remove the name."
    )


# --- cleaning ------------------------------------------------------------------------------------


def clean_lines(value, *, max_length: int) -> list[str]:
    """One entry per line (or list item), blanks and repeats (ignoring case) dropped."""
    items = value.splitlines() if isinstance(value, str) else list(value or [])
    seen, result = set(), []
    for item in items:
        text = " ".join(str(item).split())[:max_length]
        if text and text.casefold() not in seen:
            seen.add(text.casefold())
            result.append(text)
    return result


def _require_staff(*, user, meeting: CircleSession) -> set[str]:
    roles = permissions.staff_roles(user, meeting.circle_id)
    if not roles:
        raise DomainError(_("Only this circle's recorder and facilitators can write its log."))
    return roles


def _require_facilitator(*, user, meeting: CircleSession) -> None:
    if CircleRole.FACILITATOR not in permissions.staff_roles(user, meeting.circle_id):
        raise DomainError(_("Only a facilitator of this circle can approve its log."))


# --- the log's steps -----------------------------------------------------------------------------


def _label(meeting: CircleSession) -> str:
    return f"{meeting.circle.name} #{meeting.number}"


def _record(*, user, log: SessionLog, action: str, details: dict | None = None) -> None:
    """A step of a session log in the activity log: the circle and meeting number as its label,
    never what the log says."""
    activity_record(
        initiative=log.meeting.circle.initiative,
        actor=user,
        action=action,
        target=log,
        label=_label(log.meeting),
        details=details,
    )


def _check_names(*, circle, fields: dict[str, str], ideas: list[str], themes: list[str]) -> None:
    names = member_names(circle=circle)
    if not names:
        return
    for field_name, text in fields.items():
        if contains_a_name(text, names):
            raise DomainError(name_error(), field=field_name)
    if any(contains_a_name(idea, names) for idea in ideas):
        raise DomainError(name_error(), field="action_ideas")
    if any(contains_a_name(theme, names) for theme in themes):
        raise DomainError(name_error(), field="new_themes")


def _sync_ideas(*, log: SessionLog, ideas: list[str]) -> None:
    """Keep one ActionIdea row per idea, in order, reusing rows (and their ids) in place."""
    existing = list(ActionIdea.objects.filter(log=log).order_by("position", "pk"))
    for position, text in enumerate(ideas):
        if position < len(existing):
            row = existing[position]
            if row.text != text or row.position != position:
                row.text, row.position = text, position
                row.save(update_fields=["text", "position", "updated_at"])
        else:
            ActionIdea.objects.create(log=log, text=text, position=position)
    stale = [row.pk for row in existing[len(ideas) :]]
    if stale:
        ActionIdea.objects.filter(pk__in=stale).delete()


@transaction.atomic
def log_save(
    *,
    user,
    meeting: CircleSession,
    themes: list[str],
    agreements: str = "",
    disagreements: str = "",
    open_questions: str = "",
    group_dynamics: str = "",
    safety_concerns: str = "",
    safety_category: str = "other",
    safety_severity: str = "medium",
    action_ideas: list[str],
    now=None,
) -> SessionLog:
    """Create or edit the draft log of a meeting (recorder or facilitator of the circle). A
    safety concern becomes a safety case (guides/services/safety.py), of the category and
    severity given, and its people are emailed at once."""
    now = now or timezone.now()
    # Lock the meeting: two first saves at once must not both create its (one) log.
    meeting = (
        CircleSession.objects.select_for_update(of=("self",))
        .select_related("circle__initiative")
        .get(pk=meeting.pk)
    )
    _require_staff(user=user, meeting=meeting)
    if meeting.status == MeetingStatus.CANCELLED:
        raise DomainError(_("This meeting was cancelled: there is nothing to log."))
    if meeting.starts_at > now:
        raise DomainError(_("You can write the log once the meeting has started."))
    log = SessionLog.objects.select_for_update(of=("self",)).filter(meeting=meeting).first()
    if log is not None and log.status != LogStatus.DRAFT:
        raise DomainError(
            _("This log was submitted and can't be changed now.")
            if log.status == LogStatus.SUBMITTED
            else _("This log is approved and can't be changed.")
        )
    fields = {
        "agreements": agreements.strip(),
        "disagreements": disagreements.strip(),
        "open_questions": open_questions.strip(),
        "group_dynamics": group_dynamics.strip(),
        "safety_concerns": safety_concerns.strip(),
    }
    for field_name, text in fields.items():
        if len(text) > MAX_TEXT:
            raise DomainError(
                _("Keep this under %(n)d characters.") % {"n": MAX_TEXT}, field=field_name
            )
    themes = clean_lines(themes, max_length=MAX_THEME)
    if len(themes) > MAX_THEMES:
        raise DomainError(_("Choose at most %(n)d themes.") % {"n": MAX_THEMES}, field="themes")
    ideas = clean_lines(action_ideas, max_length=MAX_IDEA)
    if len(ideas) > MAX_IDEAS:
        raise DomainError(
            _("Record at most %(n)d action ideas per meeting.") % {"n": MAX_IDEAS},
            field="action_ideas",
        )
    _check_names(circle=meeting.circle, fields=fields, ideas=ideas, themes=themes)
    created = log is None
    if created:
        log = SessionLog(meeting=meeting, drafted_by=user)
    log.themes = themes
    for field_name, text in fields.items():
        setattr(log, field_name, text)
    try:
        log.full_clean(exclude=["meeting"])
    except ValidationError as exc:
        field_name, messages = next(iter(exc.message_dict.items()))
        raise DomainError(" ".join(messages), field=field_name) from exc
    log.save()
    _sync_ideas(log=log, ideas=ideas)
    safety.case_from_log(user=user, log=log, category=safety_category, severity=safety_severity)
    activity_record(
        initiative=meeting.circle.initiative,
        actor=user,
        action="log.drafted" if created else "log.edited",
        target=log,
        label=_label(meeting),
        details={"action_ideas": len(ideas)},
    )
    return log


def _locked_log(log: SessionLog, user, require, status: str, refusal: str) -> SessionLog:
    """The first step of submitting, approving and sending back: the log locked for the change,
    once `require` (_require_staff or _require_facilitator) lets `user` act on it and it is in
    `status` (otherwise DomainError(`refusal`))."""
    log = (
        SessionLog.objects.select_for_update(of=("self",))
        .select_related("meeting__circle__initiative")
        .get(pk=log.pk)
    )
    require(user=user, meeting=log.meeting)
    if log.status != status:
        raise DomainError(refusal)
    return log


def _has_content(log: SessionLog) -> bool:
    return bool(
        log.themes
        or any(getattr(log, name) for name in TEXT_FIELDS)
        or ActionIdea.objects.filter(log=log).exists()
    )


@transaction.atomic
def log_submit(*, user, log: SessionLog) -> SessionLog:
    """Hand a draft to the facilitators for approval."""
    refusal = _("Only a draft can be submitted.")
    log = _locked_log(log, user, _require_staff, LogStatus.DRAFT, refusal)
    if not _has_content(log):
        raise DomainError(_("The log is empty: write down what the circle talked about first."))
    log.status = LogStatus.SUBMITTED
    log.submitted_at = timezone.now()
    log.save(update_fields=["status", "submitted_at", "updated_at"])
    # Whoever may approve it hears about it (an email through the outbox, after commit).
    reminders.log_approval_requests_add(log=log, submitted_by=user)
    _record(user=user, log=log, action="log.submitted")
    return log


@transaction.atomic
def log_approve(*, user, log: SessionLog) -> SessionLog:
    """A facilitator of the circle approves a submitted log; it is read-only from then on."""
    refusal = _("Only a submitted log can be approved.")
    log = _locked_log(log, user, _require_facilitator, LogStatus.SUBMITTED, refusal)
    if not permissions.can_approve_log(user, log):
        # Two people look at every log: the one who wrote it and a facilitator who approves.
        raise DomainError(_("You wrote this log, so the circle's other facilitator approves it."))
    log.status = LogStatus.APPROVED
    log.approved_by = user
    log.approved_at = timezone.now()
    log.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    reminders.log_approval_requests_cancel(log=log, reason="approved")
    _record(user=user, log=log, action="log.approved")
    return log


@transaction.atomic
def log_return(*, user, log: SessionLog, note: str) -> SessionLog:
    """A facilitator sends a submitted log back to draft, saying what to change."""
    refusal = _("Only a submitted log can be sent back.")
    log = _locked_log(log, user, _require_facilitator, LogStatus.SUBMITTED, refusal)
    note = note.strip()
    if not note:
        raise DomainError(_("Say what should change before it can be approved."), field="note")
    if len(note) > 2000:
        raise DomainError(_("Keep the note under 2,000 characters."), field="note")
    if contains_a_name(note, member_names(circle=log.meeting.circle)):
        raise DomainError(name_error(), field="note")
    log.status = LogStatus.DRAFT
    log.submitted_at = None
    log.save(update_fields=["status", "submitted_at", "updated_at"])
    reminders.log_approval_requests_cancel(log=log, reason="sent back")
    _record(user=user, log=log, action="log.returned", details={"note": note})
    return log
