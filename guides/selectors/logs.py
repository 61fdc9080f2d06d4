"""Session logs' reads: a meeting's log and who may do what with it, the approved logs across
circles and the action ideas they hold.
"""

from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from initiatives.models import ActivityLogEntry, Initiative

from ..models import (
    ActionIdea,
    CircleMember,
    CircleRole,
    CircleSession,
    LogStatus,
    SessionLog,
)

PAGE_SIZE = 20


def names_note() -> str:
    return _("Do not write participants' names: record what was said, not who said it.")


# --- names ---------------------------------------------------------------------------------------


def member_names(*, circle) -> list[str]:
    """Full names (two words or more) of the circle's members, for the no-names check."""
    names = CircleMember.objects.filter(circle=circle).values_list("participant__name", flat=True)
    return [" ".join(name.split()) for name in names if name and len(name.split()) >= 2]


def initiative_themes(*, initiative: Initiative) -> list[str]:
    """The initiative's theme list: every theme used in its session logs, A–Z."""
    seen: dict[str, str] = {}
    for themes in SessionLog.objects.filter(meeting__circle__initiative=initiative).values_list(
        "themes", flat=True
    ):
        for theme in themes or []:
            if isinstance(theme, str) and theme.strip():
                text = " ".join(theme.split())
                seen.setdefault(text.casefold(), text)
    return sorted(seen.values(), key=str.casefold)


# --- permissions per circle ----------------------------------------------------------------------


# --- logs ----------------------------------------------------------------------------------------


def meeting_for_initiative(*, initiative: Initiative, pk) -> CircleSession:
    meeting = (
        CircleSession.objects.filter(circle__initiative=initiative, pk=pk)
        .select_related("circle", "guide_session")
        .first()
    )
    if meeting is None:
        raise Http404
    return meeting


def log_of(meeting: CircleSession) -> SessionLog | None:
    return (
        SessionLog.objects.filter(meeting=meeting)
        .select_related("drafted_by", "approved_by")
        .prefetch_related(_ideas())
        .first()
    )


def _ideas() -> Prefetch:
    return Prefetch("action_ideas", queryset=ActionIdea.objects.order_by("position", "pk"))


def return_note(log: SessionLog) -> str:
    """The note of the last time the log was sent back to draft, if it is a draft now."""
    if log is None or log.status != LogStatus.DRAFT:
        return ""
    entry = (
        ActivityLogEntry.objects.filter(
            action="log.returned", target_type=log._meta.label_lower, target_id=str(log.pk)
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    return (entry.details or {}).get("note", "") if entry else ""


def approved_logs(*, initiative: Initiative, circle_id=None) -> QuerySet[SessionLog]:
    """Approved logs of the initiative, newest meeting first, with their action ideas."""
    queryset = SessionLog.objects.filter(
        meeting__circle__initiative=initiative, status=LogStatus.APPROVED
    )
    if circle_id:
        queryset = queryset.filter(meeting__circle_id=circle_id)
    return (
        queryset.select_related("meeting__circle", "meeting__guide_session")
        .prefetch_related(_ideas())
        .order_by("-meeting__starts_at", "-pk")
    )


def approved_action_ideas(*, initiative: Initiative) -> QuerySet[ActionIdea]:
    """Every action idea of an approved log (what the action forum works from)."""
    return (
        ActionIdea.objects.filter(
            log__meeting__circle__initiative=initiative, log__status=LogStatus.APPROVED
        )
        .select_related("log__meeting__circle")
        .order_by("log__meeting__circle__name", "log__meeting__starts_at", "position", "pk")
    )


@dataclass
class LogAccess:
    """What one user may do with one meeting's log."""

    staff: set
    can_read_approved: bool
    can_see_safety_everywhere: bool
    # Who may approve the log (guides.permissions.log_approvers), and who is looking.
    approvers: list = field(default_factory=list)
    user_id: int | None = None

    @property
    def is_staff(self) -> bool:
        return bool(self.staff)

    @property
    def can_write(self) -> bool:
        return self.is_staff

    @property
    def can_approve(self) -> bool:
        return any(approver.pk == self.user_id for approver in self.approvers)

    @property
    def can_return(self) -> bool:
        """Any facilitator of the circle may send a submitted log back to draft."""
        return CircleRole.FACILITATOR in self.staff

    @property
    def approver_names(self) -> list[str]:
        return [
            approver.display_name or _("a facilitator of this circle")
            for approver in self.approvers
        ]

    @property
    def sees_safety(self) -> bool:
        return self.is_staff or self.can_see_safety_everywhere
