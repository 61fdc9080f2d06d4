"""The issue's acceptance story, through the real URLs and the emailed link:
an organizer signs in, creates an initiative, adds coalition organizations, invites a
facilitator who accepts, and advances the phase; a user with no role gets 404 on every page."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from initiatives.models import Initiative, Membership, Phase, Role

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_organizer_sets_up_an_initiative_and_a_facilitator_joins(
    client, django_capture_on_commit_callbacks
):
    UserFactory(email="dana@example.org", display_name="Dana Whitfield")
    response = client.post(
        reverse("account_login"), {"login": "dana@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302

    response = client.post(
        reverse("initiatives:create"),
        {
            "name_en": "Riverton Dialogues",
            "community": "City of Riverton",
            "description_en": "Residents and police in small circles.",
            "languages": ["en", "es"],
            "timezone": "America/Chicago",
            "starts_on": "2027-02-01",
            "ends_on": "2027-11-30",
        },
    )
    initiative = Initiative.objects.get(name="Riverton Dialogues")
    assert response.url == initiative.get_absolute_url()

    for name, sector in [("Riverton Police Department", "police"), ("Youth Forward", "youth")]:
        response = client.post(
            reverse("initiatives:coalition_add", args=[initiative.slug]),
            {"name": name, "sector": sector, "role": "partner"},
        )
        assert response.status_code == 302
    coalition_page = client.get(
        reverse("initiatives:coalition", args=[initiative.slug])
    ).content.decode()
    assert "Riverton Police Department" in coalition_page
    assert "Youth Forward" in coalition_page

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("initiatives:invite", args=[initiative.slug]),
            {"email": "lucia@example.org", "role": "facilitator"},
        )
    client.post(reverse("initiatives:phase", args=[initiative.slug]), {"to_phase": "recruiting"})
    initiative.refresh_from_db()
    assert initiative.phase == Phase.RECRUITING
    # Dialogue needs a facilitator; the invitation is not accepted yet, so it is refused.
    response = client.post(
        reverse("initiatives:phase", args=[initiative.slug]), {"to_phase": "dialogue"}, follow=True
    )
    assert "invite at least one facilitator" in response.content.decode()

    # The facilitator follows the link in the email and creates an account.
    link = re.search(r"https?://[^/]+(/invitations/[^/\s]+/)", mail.outbox[-1].body).group(1)
    facilitator_client = client.__class__()
    response = facilitator_client.post(
        link,
        {
            "display_name": "Lucía Moreno",
            "password1": "a-long-passphrase-9",
            "password2": "a-long-passphrase-9",
        },
    )
    assert response.url == initiative.get_absolute_url()
    assert facilitator_client.get(response.url).status_code == 200
    assert Membership.objects.filter(
        initiative=initiative, role=Role.FACILITATOR, user__email="lucia@example.org"
    ).exists()

    client.post(reverse("initiatives:phase", args=[initiative.slug]), {"to_phase": "dialogue"})
    initiative.refresh_from_db()
    assert initiative.phase == Phase.DIALOGUE
    activity = client.get(reverse("initiatives:activity", args=[initiative.slug])).content.decode()
    assert "Lucía Moreno</strong> accepted the invitation and joined as Facilitator" in activity
    assert "moved the initiative from Recruiting to Dialogue" in activity

    # Someone with no role in this initiative gets 404 on every one of its pages.
    outsider_client = client.__class__()
    outsider_client.force_login(UserFactory())
    for url_name in ["detail", "edit", "coalition", "coalition_add", "team", "invite", "activity"]:
        assert (
            outsider_client.get(
                reverse(f"initiatives:{url_name}", args=[initiative.slug])
            ).status_code
            == 404
        )
