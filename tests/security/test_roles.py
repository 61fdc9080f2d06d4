"""Roles inside one initiative: what each role of A may see on every page it can open.

- The police liaison and observers never get a resident's name, email or individual
  demographic answer, only aggregates.
- Facilitators see their own circles only: circle 2's member names and log texts never
  reach the facilitator of circle 1, and circle 2's pages answer 403 or 404.
- Only the data steward sees individual demographics and answers to the initiative's sensitive
  questions (roster, its CSV and participant page); the others see them nowhere, on no page or
  export (`demographic_markers` holds a planted sensitive answer)."""

import pytest
from django.core.cache import cache

from initiatives.models import Role

from . import stats
from .access import body_of, clients_fixture, kept_cookies, url_for, url_patterns
from .world import isolated, world_fixture

pytestmark = pytest.mark.django_db

world = world_fixture()
clients = clients_fixture()


def staff_pages(world):
    """Every URL of A a team member opens (the participant's private links are theirs)."""
    return [
        url_for(route, name, world.a)
        for route, name in url_patterns()
        if "<str:token>" not in route and not name.startswith("admin:")
    ]


def opened_pages(client, urls):
    for url in urls:
        cache.clear()
        with isolated(), kept_cookies(client):
            response = client.get(url)
            if response.status_code == 200:
                yield url, body_of(response)


def scan(client, urls, needles):
    found = []
    for url, body in opened_pages(client, urls):
        hits = [needle for needle in needles if needle in body]
        if hits:
            found.append((url, hits))
    stats.add("leaks", len(found))
    return found


@pytest.mark.parametrize("role", [Role.POLICE_LIAISON, Role.OBSERVER])
def test_police_and_observers_never_see_a_resident(world, clients, role):
    a = world.a
    needles = a.participant_names + a.participant_emails + a.demographic_markers + a.answer_markers
    found = scan(clients[role], staff_pages(world), needles)
    assert not found, f"{role} sees residents' personal data: {found}"


def test_facilitator_never_sees_another_circle(world, clients):
    found = scan(clients[Role.FACILITATOR], staff_pages(world), world.a.circle2_markers)
    assert not found, f"the facilitator of circle 1 sees circle 2: {found}"


def test_another_circles_pages_are_refused_to_its_non_staff(world, clients):
    a, slug = world.a, world.a.initiative.slug
    circle2, meeting2 = a.objects["circle2"].pk, a.objects["meeting2"].pk
    draft2 = a.objects["draft_meeting2"].pk
    urls = [
        f"/manage/{slug}/circles/{circle2}/",
        f"/manage/{slug}/circles/{circle2}/schedule/",
        f"/manage/{slug}/circles/{circle2}/attendance/",
        f"/manage/{slug}/meetings/{meeting2}/attendance/",
        f"/manage/{slug}/meetings/{meeting2}/meeting.ics",
        f"/manage/{slug}/meetings/{meeting2}/log/",
        f"/manage/{slug}/meetings/{draft2}/log/",
        f"/manage/{slug}/meetings/{draft2}/log/edit/",
    ]
    for role in (Role.FACILITATOR, Role.RECORDER):
        client = clients[role]
        for url in urls:
            with isolated(), kept_cookies(client):
                status = client.get(url).status_code
            stats.add("url_role_checks", 1)
            assert status in (403, 404), (role, url, status)
        for url in urls[-1:]:
            with isolated(), kept_cookies(client):
                status = client.post(url, {"agreements": "x"}).status_code
            assert status in (403, 404), (role, "POST", url, status)


def test_only_the_data_steward_sees_individual_demographics(world, clients):
    a, slug = world.a, world.a.initiative.slug
    steward = clients[Role.DATA_STEWARD]
    person = a.objects["participant"]
    detail = f"/manage/{slug}/participants/{person.pk}/"
    for url in (detail,):
        with isolated(), kept_cookies(steward):
            body = body_of(steward.get(url))
        assert "MARK-A-demographics-gender_self_description-1" in body, url
        # The answer to a sensitive question of the initiative's own (world._add_questions).
        assert "MARK-A-answer-sensitive-1" in body, url
    with isolated(), kept_cookies(steward):
        export = body_of(steward.get(f"/manage/{slug}/participants/export.csv"))
    assert "MARK-A-answer-sensitive-1" in export
    others = [role for role in Role.values if role != Role.DATA_STEWARD]
    for role in others:
        found = scan(clients[role], staff_pages(world), a.demographic_markers)
        assert not found, f"{role} sees individual demographics: {found}"
