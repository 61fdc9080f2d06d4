"""Rows of list and dashboard tables that stand for an object with a page of its own link to that
page: the progress dashboard's team rows (and its "Silent" list) to each team's page, a circle's
retention table to each meeting's attendance and, for roles that see the roster, to each
person's page."""

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from actions.models import ProgressUpdate
from guides.services import meetings as meeting_services
from initiatives.models import Role

from .factories import (
    ActionTeamFactory,
    CircleFactory,
    CircleMemberFactory,
    CircleSessionFactory,
    CircleStaffFactory,
    InitiativeFactory,
    ProgressUpdateFactory,
)

pytestmark = pytest.mark.django_db


class RowLinks(HTMLParser):
    """The links inside each <tr> carrying `attribute`: {attribute value: [hrefs]}; and every
    link of the page with its text."""

    def __init__(self, attribute):
        super().__init__()
        self.attribute = attribute
        self.rows = {}
        self.row = None
        self.links = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and self.attribute in attrs:
            self.row = attrs[self.attribute]
            self.rows[self.row] = []
        elif tag == "a" and "href" in attrs:
            self.links.append(attrs["href"])
            if self.row is not None:
                self.rows[self.row].append(attrs["href"])

    def handle_endtag(self, tag):
        if tag == "tr":
            self.row = None


def row_links(html, attribute):
    parser = RowLinks(attribute)
    parser.feed(html)
    return parser


def test_progress_dashboard_rows_link_to_each_team(client, member_of):
    lead = None
    expected = {}
    for name in ("Riverton", "Lakeside"):
        initiative = InitiativeFactory(name=name)
        if lead is None:
            lead = member_of(initiative, Role.COALITION_LEAD)
        else:
            initiative.memberships.create(user=lead, role=Role.COALITION_LEAD)
        for n in range(2):
            team = ActionTeamFactory(initiative=initiative, name=f"{name} team {n}")
            expected[str(team.pk)] = reverse("actions:team_detail", args=[initiative.slug, team.pk])
    client.force_login(lead)

    page = row_links(client.get(reverse("actions:dashboard")).content.decode(), "data-team")

    assert set(page.rows) == set(expected)
    for pk, url in expected.items():
        assert url in page.rows[pk], f"the row of team {pk} does not link to {url}"


def test_progress_dashboard_silent_teams_link_to_their_pages(client, member_of):
    initiative = InitiativeFactory()
    lead = member_of(initiative, Role.COALITION_LEAD)
    silent = ActionTeamFactory(initiative=initiative, name="Quiet Corner", update_every_days=7)
    ProgressUpdateFactory(team=silent)
    ProgressUpdate.objects.filter(team=silent).update(
        created_at=timezone.now() - timedelta(days=40)
    )
    client.force_login(lead)

    html = client.get(reverse("actions:dashboard")).content.decode()

    notice = html.split('<span class="badge text-bg-warning">', 1)[1].split("</p>", 1)[0]
    url = reverse("actions:team_detail", args=[initiative.slug, silent.pk])
    assert f'<a href="{url}">Quiet Corner</a>' in notice


@pytest.mark.parametrize(
    ("role", "sees_people"), [(Role.ORGANIZER, True), (Role.FACILITATOR, False)]
)
def test_retention_rows_link_to_each_meeting_and_person(client, member_of, role, sees_people):
    initiative = InitiativeFactory()
    user = member_of(initiative, role)
    circle = CircleFactory(initiative=initiative)
    if role == Role.FACILITATOR:
        CircleStaffFactory(circle=circle, user=user)
    people = [CircleMemberFactory(circle=circle).participant for _ in range(2)]
    held = [
        CircleSessionFactory(circle=circle, starts_at=timezone.now() - timedelta(days=d), number=n)
        for n, d in ((1, 14), (2, 7))
    ]
    for meeting in held:
        meeting_services.attendance_save(
            user=None, meeting=meeting, marks={p.pk: "present" for p in people}
        )
    client.force_login(user)

    response = client.get(reverse("guides:circle_attendance", args=[initiative.slug, circle.pk]))
    assert response.status_code == 200
    html = response.content.decode()

    by_meeting = row_links(html, "data-meeting").rows
    assert set(by_meeting) == {str(m.pk) for m in held}
    for meeting in held:
        url = reverse("guides:attendance", args=[initiative.slug, meeting.pk])
        assert url in by_meeting[str(meeting.pk)]
    by_person = row_links(html, "data-participant").rows
    assert set(by_person) == {str(p.pk) for p in people}
    for person in people:
        url = reverse("participants:participant", args=[initiative.slug, person.pk])
        assert (url in by_person[str(person.pk)]) is sees_people
