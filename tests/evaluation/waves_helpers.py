"""Shared pieces of the wave and survey tests."""

from datetime import timedelta

from django.utils import timezone

from evaluation.services import waves as wave_services
from participants.models import ConsentGiver, ConsentKind

from ..factories import (
    CircleFactory,
    CircleMemberFactory,
    CircleSessionFactory,
    ConsentFactory,
    ParticipantFactory,
)

COMMUNITY = {
    "fair": "4",
    "listen": "4",
    "respect": "5",
    "explain": "3",
    "trustworthy": "2",
    "confidence": "3",
    "work_together": "5",
}


def consenting(initiative, **fields):
    """A person who agreed to answer evaluation surveys."""
    person = ParticipantFactory(initiative=initiative, **{"status": "assigned", **fields})
    ConsentFactory(participant=person, kind=ConsentKind.EVALUATION)
    return person


def consenting_minor(initiative, *, guardian=True):
    person = ParticipantFactory(
        initiative=initiative,
        status="assigned",
        age_band="13_17",
        email="",
        guardian_email=f"guardian-{ParticipantFactory._meta.model.objects.count()}@example.net",
        guardian_consented_at=timezone.now() if guardian else None,
    )
    ConsentFactory(
        participant=person,
        kind=ConsentKind.EVALUATION,
        given_by=ConsentGiver.GUARDIAN if guardian else ConsentGiver.SELF,
    )
    return person


def circle_meeting_in(initiative, days: float, *, people=()):
    """A circle whose only meeting starts `days` from now (negative: in the past)."""
    circle = CircleFactory(initiative=initiative)
    CircleSessionFactory(
        circle=circle,
        number=1,
        starts_at=timezone.now() + timedelta(days=days),
        duration_minutes=120,
    )
    for person in people:
        CircleMemberFactory(circle=circle, participant=person)
    return circle


def set_up(initiative, kind="pre", actor=None, **settings):
    return wave_services.wave_set_up(initiative=initiative, kind=kind, actor=actor, **settings)
