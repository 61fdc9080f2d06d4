import pytest

from dialogue_hub import outbox
from guides import calendars
from initiatives.models import Role
from participants.services import registration as services

from ..factories import (
    DemographicsFactory,
    InitiativeFactory,
    ParticipantFactory,
    RegistrationSettingsFactory,
)


class Site:
    """One published initiative open for registration, with a team and one participant whose
    private links are ready to open."""

    def __init__(self, member_of):
        self.initiative = InitiativeFactory(is_published=True, languages=["en", "es"])
        RegistrationSettingsFactory(initiative=self.initiative)
        self.organizer = member_of(self.initiative, Role.ORGANIZER)
        self.steward = member_of(self.initiative, Role.DATA_STEWARD)
        self.participant = ParticipantFactory(
            initiative=self.initiative, email="private.person@example.net"
        )
        DemographicsFactory(participant=self.participant, gender_self_description="Zyxwise")
        self.minor = ParticipantFactory(
            initiative=self.initiative,
            email="",
            age_band="13_17",
            guardian_name="A Guardian",
            guardian_email="guardian@example.net",
        )
        self.manage_token = services.make_token(self.participant, services.MANAGE_SALT)
        self.confirm_token = services.make_token(self.participant, services.CONFIRM_SALT)
        self.guardian_token = services.make_token(self.minor, services.GUARDIAN_SALT)
        self.feed_token = calendars.participant_feed_token(self.participant)
        self.email_token = outbox.unsubscribe_token(
            email=self.participant.email, category="reminders", language="en"
        )


@pytest.fixture
def site(db, member_of):
    return Site(member_of)
