"""Writes of a meeting's needs: marking one arranged (who, when, a note) or not arranged again.
Keyword-only, atomic and logged (the need, never who has it)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from dialogue_hub.exceptions import DomainError
from initiatives.services import activity_record

from ..models import CircleSession, MeetingStatus, NeedArrangement
from ..selectors.needs import meeting_needs

NOTE_MAX = NeedArrangement._meta.get_field("note").max_length


def _the_need(meeting: CircleSession, need: str, language: str):
    """The meeting's need named by (need, language), or a refusal that says why."""
    needs = meeting_needs([meeting])[meeting.pk]
    for item in needs.needs:
        if item.key == (need, language or ""):
            if not item.arrangeable:
                raise DomainError(
                    _("Mobility access is met by the venue: there is nothing to arrange.")
                )
            return item, needs.arranged.get(item.key)
    raise DomainError(_("Nobody in this circle has that need any more: nothing to arrange."))


@transaction.atomic
def need_arrange(
    *, user, meeting: CircleSession, need: str, language: str = "", note: str = ""
) -> NeedArrangement:
    """Mark one of the meeting's needs arranged, or change the note of one that is."""
    meeting = CircleSession.objects.select_for_update().select_related("circle").get(pk=meeting.pk)
    if meeting.status == MeetingStatus.CANCELLED:
        raise DomainError(_("This meeting is cancelled: there is nothing to arrange."))
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise DomainError(
            _("Keep the note to %(max)s characters (it has %(length)s).")
            % {"max": NOTE_MAX, "length": len(note)},
            field="note",
        )
    item, arrangement = _the_need(meeting, need, language)
    if arrangement is None:
        arrangement = NeedArrangement.objects.create(
            meeting=meeting, need=item.need, language=item.language, note=note, arranged_by=user
        )
        action = "meeting.need_arranged"
    else:
        arrangement.note = note
        arrangement.arranged_by = user
        arrangement.save(update_fields=["note", "arranged_by", "updated_at"])
        action = "meeting.need_arrangement_changed"
    activity_record(
        initiative=meeting.circle.initiative,
        actor=user,
        action=action,
        target=meeting,
        details={"need": item.need, "language": item.language},
    )
    return arrangement


@transaction.atomic
def need_unarrange(*, user, meeting: CircleSession, need: str, language: str = "") -> None:
    """Mark one of the meeting's needs as not arranged again (the arrangement fell through)."""
    meeting = CircleSession.objects.select_for_update().select_related("circle").get(pk=meeting.pk)
    deleted, _rows = NeedArrangement.objects.filter(
        meeting=meeting, need=need, language=language or ""
    ).delete()
    if not deleted:
        raise DomainError(_("That need was not marked arranged."))
    activity_record(
        initiative=meeting.circle.initiative,
        actor=user,
        action="meeting.need_unarranged",
        target=meeting,
        details={"need": need, "language": language or ""},
    )
