"""A person's own download ("download my data", from their private link) holds everything the
app keeps about them, wherever it is kept: the later apps add their part through
participants.selectors.public.EXPORT_PROVIDERS. A class test: every model that points at a
person is either in the download or listed here with the reason it is not."""

import json
from datetime import timedelta

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from actions.models import BallotDot, BallotItem, BallotResponse, CommunityAsset, TeamMember
from guides.models import (
    Attendance,
    KeepTogether,
    MeetingExcusal,
    MoveRequest,
    SafetyCase,
    SafetySource,
)
from participants.models import Participant
from participants.services.registration import MANAGE_SALT, make_token

from ..factories import (
    ActionTeamFactory,
    BallotFactory,
    CircleFactory,
    CircleMemberFactory,
    CircleSessionFactory,
    ParticipantFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db

# Each model with a link to a person, and the download's section that holds it.
IN_THE_DOWNLOAD = {
    "participants.Demographics": "demographics",
    "participants.Consent": "consents",
    "participants.QuestionAnswer": "questions",
    "guides.CircleMember": "circle",
    "guides.Attendance": "attendance",
    "guides.MeetingExcusal": "excused_in_advance",
    "guides.MoveRequest": "requests_for_another_circle",
    "guides.SafetyCase": "safety_concerns_raised",
    "guides.KeepTogether": "asked_to_stay_together_with",
    "actions.BallotResponse": "action_forum_votes",
    "actions.TeamMember": "action_teams",
    "actions.ActionTeam": "convenes",
    "actions.CommunityAsset": "offered_to_the_action_teams",
    "evaluation.Invitation": "survey_invitations",
    "evaluation.FeedbackReceipt": "feedback_given_after_meetings",
}


def models_pointing_at_a_person() -> set[str]:
    return {
        model._meta.label
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if field.concrete
        and (field.many_to_one or field.one_to_one)
        and field.related_model is Participant
    }


def test_every_model_that_points_at_a_person_is_in_their_download():
    assert models_pointing_at_a_person() == set(IN_THE_DOWNLOAD)


def test_the_download_holds_what_each_app_keeps_about_the_person(client):
    circle = CircleFactory(name="Circle 4")
    person = ParticipantFactory(initiative=circle.initiative)
    initiative = person.initiative
    CircleMemberFactory(circle=circle, participant=person)
    held = CircleSessionFactory(circle=circle, starts_at=timezone.now() - timedelta(days=3))
    coming = CircleSessionFactory(circle=circle, starts_at=timezone.now() + timedelta(days=4))
    Attendance.objects.create(meeting=held, participant=person, status="present")
    MeetingExcusal.objects.create(meeting=coming, participant=person)
    MoveRequest.objects.create(initiative=initiative, participant=person, reason="New shifts")
    other = ParticipantFactory(initiative=initiative, name="Someone Else")
    KeepTogether.objects.create(initiative=initiative, first=person, second=other)
    for anonymous in (False, True):
        SafetyCase.objects.create(
            initiative=initiative,
            circle=circle,
            source=SafetySource.PARTICIPANT,
            category="other",
            severity="medium",
            description="anonymous report" if anonymous else "My own words",
            participant=None if anonymous else person,
        )
    team = ActionTeamFactory(initiative=initiative, name="Youth jobs", convener=person)
    TeamMember.objects.create(team=team, participant=person)
    ballot = BallotFactory(initiative=initiative, title="Spring forum")
    item = BallotItem.objects.create(ballot=ballot, theme=ThemeFactory(initiative=initiative))
    response = BallotResponse.objects.create(ballot=ballot, participant=person)
    BallotDot.objects.create(response=response, item=item, dots=2)
    CommunityAsset.objects.create(
        initiative=initiative, kind="skill", name="Translation", offered_by=person
    )

    token = make_token(person, MANAGE_SALT)
    data = json.loads(
        client.get(reverse("participants:manage_download", kwargs={"token": token})).content
    )

    assert data["circle"]["name"] == "Circle 4"
    assert [row["status"] for row in data["attendance"]] == ["present"]
    assert len(data["excused_in_advance"]) == 1
    assert data["requests_for_another_circle"][0]["reason"] == "New shifts"
    assert data["asked_to_stay_together_with"] == 1
    assert "Someone Else" not in json.dumps(data)  # another person's name is not theirs
    assert [c["what_happened"] for c in data["safety_concerns_raised"]] == ["My own words"]
    assert [t["team"] for t in data["action_teams"]] == ["Youth jobs"]
    assert data["convenes"] == ["Youth jobs"]
    assert data["action_forum_votes"][0]["ballot"] == "Spring forum"
    assert data["action_forum_votes"][0]["dots"][0]["dots"] == 2
    assert data["offered_to_the_action_teams"][0]["name"] == "Translation"
    assert set(IN_THE_DOWNLOAD.values()) <= set(data)
