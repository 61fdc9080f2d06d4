"""Choice labels in API answers (api/serializers/fields.py LabelField): in the reader's
language, and switching with it between requests (the labels are resolved once per language
and kept, so a kept English label must not leak into a Spanish answer)."""

import pytest
from django.urls import reverse

from actions.models import MilestoneStatus
from initiatives.models import Role

from ..factories import (
    ActionTeamFactory,
    GoalFactory,
    InitiativeFactory,
    MembershipFactory,
    MilestoneFactory,
    UserFactory,
)
from .helpers import api_client, token_for

pytestmark = pytest.mark.django_db


def test_status_label_follows_accept_language():
    initiative = InitiativeFactory()
    lead = UserFactory()
    MembershipFactory(initiative=initiative, user=lead, role=Role.COALITION_LEAD)
    team = ActionTeamFactory(initiative=initiative)
    MilestoneFactory(goal=GoalFactory(team=team), status=MilestoneStatus.BLOCKED)
    client = api_client(token_for(lead))
    url = reverse("api:milestones", kwargs={"slug": initiative.slug})

    def label(language):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, response.content
        (row,) = response.json()["results"]
        assert row["status"] == "blocked"
        return row["status_label"]

    assert label("en") == "Blocked"
    assert label("es") == "Bloqueado"
    assert label("en") == "Blocked"
