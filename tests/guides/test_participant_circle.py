import pytest
from django.urls import reverse

from participants.services import registration as participant_services

from ..factories import CircleMemberFactory, CircleSessionFactory, ParticipantFactory

pytestmark = pytest.mark.django_db


def token_for(participant):
    return participant_services.make_token(participant, participant_services.MANAGE_SALT)


def test_a_placed_participant_sees_their_circle_meetings_and_feed(client):
    member = CircleMemberFactory()
    meeting = CircleSessionFactory(circle=member.circle, title="Sharing our experiences")
    other = CircleSessionFactory()  # another circle's meeting
    token = token_for(member.participant)
    manage = client.get(reverse("participants:manage", args=[token])).content.decode()
    assert reverse("guides:participant_circle", args=[token]) in manage
    page = client.get(reverse("guides:participant_circle", args=[token])).content.decode()
    assert member.circle.name in page
    assert "Sharing our experiences" in page
    assert "webcal://" in page
    ics = client.get(reverse("guides:participant_meeting_ics", args=[token, meeting.pk]))
    assert ics.status_code == 200
    assert b"BEGIN:VEVENT" in ics.content
    assert (
        client.get(reverse("guides:participant_meeting_ics", args=[token, other.pk])).status_code
        == 404
    )


def test_not_placed_yet_and_bad_tokens(client):
    participant = ParticipantFactory()
    token = token_for(participant)
    assert (
        "not in a circle yet"
        in client.get(reverse("guides:participant_circle", args=[token])).content.decode()
    )
    assert client.get(reverse("guides:participant_circle", args=["tampered"])).status_code == 404


@pytest.mark.parametrize(
    "url_name",
    ["guides:participant_circle", "actions:participant_forum", "actions:participant_teams"],
)
def test_every_private_link_page_answers_an_expired_link_with_a_way_to_get_a_new_one(
    client, url_name
):
    from datetime import timedelta

    from freezegun import freeze_time

    participant = ParticipantFactory(initiative__is_published=True)
    with freeze_time() as frozen:
        token = token_for(participant)
        frozen.tick(timedelta(days=60))
        response = client.get(reverse(url_name, args=[token]))
    assert response.status_code == 410
    assert (
        reverse("participants:link_request", args=[participant.initiative.slug])
        in response.content.decode()
    )
