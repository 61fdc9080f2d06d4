"""The organizers' answers to participants' requests for another circle or time: accepting
moves the person by the same rules as a move by hand (guides/services/assignment.py
`circle_member_move`: a full circle, an inaccessible one for someone who needs mobility access
or one that does not suit their time or language unless overridden is refused, and the request
keeps waiting) and emails the person their new circle and its staff the newcomer; declining
sends the person a kind answer. Keyword-only, atomic and logged."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dialogue_hub import outbox
from dialogue_hub.exceptions import DomainError
from initiatives.services import activity_record

from ..models import Circle, MoveRequest, MoveRequestStatus
from ..selectors.reminders import Recipient, circle_recipients
from .assignment import circle_member_move

MOVE_ANSWER = "circle.move_answer"
MEMBER_JOINED = "circle.member_joined"


def _pending(request: MoveRequest) -> MoveRequest:
    request = (
        MoveRequest.objects.select_for_update(of=("self",))
        .select_related("participant", "initiative")
        .get(pk=request.pk)
    )
    if request.status != MoveRequestStatus.PENDING:
        raise DomainError(_("This request was already answered."))
    return request


def _decided(request: MoveRequest, *, user, status: str, answer: str, to_circle=None) -> None:
    request.status = status
    request.answer = (answer or "").strip()
    request.to_circle = to_circle
    request.decided_by = user
    request.decided_at = timezone.now()
    request.full_clean(exclude=["initiative", "participant", "from_circle", "to_circle"])
    request.save(
        update_fields=["status", "answer", "to_circle", "decided_by", "decided_at", "updated_at"]
    )
    activity_record(
        initiative=request.initiative,
        actor=user,
        action=f"move_request.{status}",
        target=request,
        label=f"#{request.pk}",
    )


def _send(request: MoveRequest, kind: str, recipients) -> None:
    """One email of `kind` about the request to each recipient (a Recipient of
    selectors/reminders.py), in their language; once each (the key names the request)."""
    for recipient in recipients:
        outbox.outbox_add(
            kind=kind,
            to=recipient.email,
            key=f"{kind}:{request.pk}:{recipient.tag}",
            initiative=request.initiative,
            language=recipient.language,
            params={"request": request.pk, **recipient.params()},
        )


def _person(request: MoveRequest) -> Recipient:
    participant = request.participant
    return Recipient("p", participant.pk, participant.email, participant.preferred_language)


@transaction.atomic
def move_request_accept(
    *, user, request: MoveRequest, circle: Circle, override: bool = False, answer: str = ""
) -> MoveRequest:
    """Move the person into `circle` (refused as a move by hand would be: the request keeps
    waiting and the refusal says why), then tell them and the new circle's staff."""
    request = _pending(request)
    circle_member_move(
        user=user,
        initiative=request.initiative,
        participant=request.participant,
        circle=circle,
        override=override,
    )
    _decided(request, user=user, status=MoveRequestStatus.ACCEPTED, answer=answer, to_circle=circle)
    _send(request, MOVE_ANSWER, [_person(request)])
    staff = [r for r in circle_recipients([circle.pk]).get(circle.pk, ()) if r.who == "u"]
    _send(request, MEMBER_JOINED, staff)
    return request


@transaction.atomic
def move_request_decline(*, user, request: MoveRequest, answer: str = "") -> MoveRequest:
    """Say no, kindly: the person stays where they are and is told (with the organizer's note)."""
    request = _pending(request)
    _decided(request, user=user, status=MoveRequestStatus.DECLINED, answer=answer)
    _send(request, MOVE_ANSWER, [_person(request)])
    return request
