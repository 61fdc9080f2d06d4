"""The circles overview's cached cards (guides.selectors.circles.overview_state, the template's
{% cache %} fragment): a flat query count cold and warm, fresh figures after every change made
through the services, after a meeting starts, and never another viewer's, initiative's or
language's cards."""

import zoneinfo
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from freezegun import freeze_time

from guides.services import assignment as assignment_services
from guides.services import circles as circle_services
from guides.services import logs as log_services
from guides.services import meetings as meeting_services
from initiatives.models import Role
from participants.models import RoleCategory

from ..factories import (
    CircleFactory,
    CircleMemberFactory,
    CircleSessionFactory,
    CircleStaffFactory,
    DiscussionGuideFactory,
    GuideSessionFactory,
    InitiativeFactory,
    MembershipFactory,
    UserFactory,
)
from ..helpers import count_queries
from .test_assignment import seat_people
from .test_circles import populate_circle

pytestmark = pytest.mark.django_db


def overview(client, initiative, query="") -> str:
    response = client.get(reverse("guides:circles", args=[initiative.slug]) + query)
    assert response.status_code == 200
    return response.content.decode()


def cards(page: str) -> str:
    """The cached part of an overview page: the cards and the page links (not the forms)."""
    start = page.index('<div class="row g-3">')
    return page[start : page.index("</main>", start)]


def cold_and_warm(client, url) -> tuple[int, int]:
    cache.clear()
    cold = count_queries(client, url)
    return cold, count_queries(client, url)


# --- query counts --------------------------------------------------------------------------------


def test_overview_queries_are_few_and_flat_cold_and_warm(organizer_client, initiative):
    url = reverse("guides:circles", args=[initiative.slug])
    for _ in range(2):
        populate_circle(initiative)
    small = cold_and_warm(organizer_client, url)
    for _ in range(28):  # more than a page: 25 cards of 9 members, staff, meetings, logs
        populate_circle(initiative)
    large = cold_and_warm(organizer_client, url)

    assert large == small, f"cold, warm: {small} with 2 circles, {large} with 30"
    cold, warm = large
    assert cold <= 15
    # Warm: the session, the user, the initiative and the roles; nothing about circles.
    assert warm <= 4
    assert warm < cold


# --- fresh after a change through the services -----------------------------------------------


@pytest.fixture
def world(initiative, organizer, member_of):
    """One circle, Eastside (two residents, facilitator Fran, a meeting yesterday with a draft
    log and one in three days), and a guide with two sessions."""
    now = timezone.now()
    fran = member_of(initiative, Role.FACILITATOR, display_name="Fran Facilitator")
    cal = member_of(initiative, Role.FACILITATOR, display_name="Cal Cofacilitator")
    guide = DiscussionGuideFactory(initiative=initiative)
    GuideSessionFactory(guide=guide, position=1)
    GuideSessionFactory(guide=guide, position=2)
    circle = CircleFactory(initiative=initiative, name="Eastside", guide=guide)
    CircleStaffFactory(circle=circle, user=fran, role="facilitator")
    members = [
        CircleMemberFactory(circle=circle, participant__role_category=RoleCategory.RESIDENT)
        for _ in range(2)
    ]
    past = CircleSessionFactory(circle=circle, number=1, starts_at=now - timedelta(days=1))
    future = CircleSessionFactory(circle=circle, number=2, starts_at=now + timedelta(days=3))
    draft = log_services.log_save(
        user=fran, meeting=past, themes=[], agreements="Meet again.", action_ideas=[]
    )
    return {
        "organizer": organizer,
        "fran": fran,
        "cal": cal,
        "guide": guide,
        "circle": circle,
        "members": members,
        "past": past,
        "future": future,
        "draft": draft,
    }


def local(initiative, moment):
    return timezone.localtime(moment, zoneinfo.ZoneInfo(initiative.timezone))


def when(meeting) -> str:
    """The overview's "Next meeting" of `meeting`, as the page writes it."""
    return date_format(local(meeting.circle.initiative, meeting.starts_at), "D j M, H:i")


def _circle_kwargs(w, **overrides):
    circle = w["circle"]
    kwargs = {
        "name": circle.name,
        "guide": w["guide"],
        "language": "en",
        "min_size": circle.min_size,
        "max_size": circle.max_size,
        "time_slot": circle.time_slot,
        "first_meeting_at": None,
        "venue_name": circle.venue_name,
        "venue_address": "",
        "is_neutral_venue": True,
        "is_accessible": False,
        "online_link": "",
        "min_per_role": {},
        "max_share_percent": None,
        "facilitators": [w["fran"]],
        "recorder": None,
    }
    kwargs.update(overrides)
    return kwargs


def create_circle(w):
    circle_services.circle_create(
        user=w["organizer"],
        initiative=w["circle"].initiative,
        name="Westside Saturday",
        venue_name="Westside Hall",
        facilitators=[w["cal"]],
    )
    return "Westside Saturday", None


def rename_circle(w):
    circle_services.circle_update(
        user=w["organizer"], circle=w["circle"], **_circle_kwargs(w, name="Riverside Tuesday")
    )
    return "Riverside Tuesday", ">Eastside<"


def add_co_facilitator(w):
    circle_services.circle_update(
        user=w["organizer"],
        circle=w["circle"],
        **_circle_kwargs(w, facilitators=[w["fran"], w["cal"]]),
    )
    return "Cal Cofacilitator", None


def delete_circle(w):
    spare = CircleFactory(initiative=w["circle"].initiative, name="Spare Thursday")
    cache.clear()  # the factory logged nothing
    return (
        lambda: circle_services.circle_delete(user=w["organizer"], circle=spare),
        None,
        "Spare Thursday",
    )


def remove_member(w):
    member = w["members"][0]
    assignment_services.circle_member_remove(user=w["organizer"], member=member)
    return "1 person (wanted 8–12)", "2 people (wanted 8–12)"


def move_member_in(w):
    person = seat_people(w["circle"].initiative, [{"availability": ["Tuesday evening"]}])[0]
    cache.clear()  # the bulk insert logged nothing
    move = lambda: assignment_services.circle_member_move(  # noqa: E731
        user=w["organizer"],
        initiative=w["circle"].initiative,
        participant=person,
        circle=w["circle"],
    )
    return move, "3 people (wanted 8–12)", "2 people (wanted 8–12)"


def cancel_next_meeting(w):
    meeting_services.meeting_cancel(user=w["organizer"], meeting=w["future"])
    return "none scheduled", when(w["future"])


def reschedule_next_meeting(w):
    old = when(w["future"])
    moved = local(w["circle"].initiative, w["future"].starts_at + timedelta(days=2))
    result = meeting_services.meeting_reschedule(
        user=w["organizer"], meeting=w["future"], day=moved.date(), at=moved.time()
    )
    return when(result.meeting), old


def take_attendance(w):
    marks = {m.participant_id: "present" for m in w["members"]}
    meeting_services.attendance_save(user=w["fran"], meeting=w["past"], marks=marks)
    return "100 % present", "not taken yet"


def submit_log(w):
    log_services.log_submit(user=w["fran"], log=w["draft"])
    return "0 approved · 1 waiting · 0 missing", "0 approved · 0 waiting · 1 missing"


def approve_log(w):
    log_services.log_submit(user=w["fran"], log=w["draft"])
    log_services.log_approve(user=w["fran"], log=w["draft"])
    return "1 approved · 0 waiting · 0 missing", "0 approved · 0 waiting · 1 missing"


def schedule_circle(w):
    initiative = w["circle"].initiative
    circle = CircleFactory(initiative=initiative, name="Northgate", guide=w["guide"])
    cache.clear()  # the factory logged nothing
    start = local(initiative, timezone.now() + timedelta(days=10))

    def generate():
        meeting_services.circle_schedule_generate(
            user=w["organizer"], circle=circle, first_day=start.date(), start_time=start.time()
        )

    # Northgate's first meeting becomes its next one (Eastside has one already).
    return generate, date_format(start, "D j M, H:i"), "none scheduled"


CHANGES = [
    create_circle,
    rename_circle,
    add_co_facilitator,
    delete_circle,
    remove_member,
    move_member_in,
    cancel_next_meeting,
    reschedule_next_meeting,
    take_attendance,
    submit_log,
    approve_log,
    schedule_circle,
]
# Changes whose setup needs rows made outside the services first: (action, shown, gone).
PREPARED = {delete_circle, move_member_in, schedule_circle}


@pytest.mark.parametrize("change", CHANGES, ids=lambda f: f.__name__)
def test_a_change_through_a_service_shows_on_the_next_view(
    organizer_client, initiative, world, change, django_capture_on_commit_callbacks
):
    if change in PREPARED:
        action, shown, gone = change(world)
        before = overview(organizer_client, initiative)  # cached now
        with django_capture_on_commit_callbacks(execute=True):
            action()
    else:
        before = overview(organizer_client, initiative)  # cached now
        with django_capture_on_commit_callbacks(execute=True):
            shown, gone = change(world)
    after = overview(organizer_client, initiative)

    if shown is not None:
        assert shown not in before
        assert shown in after
    if gone is not None:
        assert gone in before
        assert gone not in after


def test_a_meeting_that_starts_moves_the_figures_on_without_a_change(organizer_client, initiative):
    circle = CircleFactory(initiative=initiative)
    soon = CircleSessionFactory(circle=circle, starts_at=timezone.now() + timedelta(seconds=30))
    page = overview(organizer_client, initiative)
    assert when(soon) in page
    assert "no past meetings" in page

    # A minute later: well within the cache's timeout, with no change logged.
    with freeze_time(soon.starts_at + timedelta(seconds=30)):
        page = overview(organizer_client, initiative)

    assert when(soon) not in page
    assert "none scheduled" in page
    assert "0 approved · 0 waiting · 1 missing" in page


# --- never another viewer's, initiative's or language's cards ------------------------------------


@pytest.mark.parametrize("first", ["organizer", "steward"])
def test_organizer_and_data_steward_never_get_each_others_cards(client, initiative, first):
    organizer = UserFactory()
    MembershipFactory(user=organizer, initiative=initiative, role=Role.ORGANIZER)
    steward = UserFactory()
    MembershipFactory(user=steward, initiative=initiative, role=Role.DATA_STEWARD)
    users = {"organizer": organizer, "steward": steward}
    # With no circles the cards say what to do next, which only organizers can.
    organizer_text = "with the balanced assignment"
    steward_text = "Organizers create the circles; they appear here."

    order = [first, *(name for name in users if name != first)]
    pages = {}
    for name in order:
        client.force_login(users[name])
        pages[name] = overview(client, initiative)

    assert organizer_text in pages["organizer"]
    assert steward_text not in pages["organizer"]
    assert steward_text in pages["steward"]
    assert organizer_text not in pages["steward"]


def test_a_facilitator_never_gets_the_organizers_cards(organizer_client, client, initiative):
    theirs = populate_circle(initiative, name="Organizers see this")
    mine = populate_circle(initiative, name="Facilitated by me")
    facilitator = UserFactory()
    MembershipFactory(user=facilitator, initiative=initiative, role=Role.FACILITATOR)
    CircleStaffFactory(circle=mine, user=facilitator, role="facilitator")
    assert theirs.name in overview(organizer_client, initiative)  # the cards are cached

    client.force_login(facilitator)
    response = client.get(reverse("guides:circles", args=[initiative.slug]), follow=True)

    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("guides:my_circles", args=[initiative.slug])
    assert mine.name in page
    assert theirs.name not in page


def test_a_steward_who_also_facilitates_gets_cards_of_their_own(client, initiative):
    organizer = UserFactory()
    MembershipFactory(user=organizer, initiative=initiative, role=Role.ORGANIZER)
    both = UserFactory()
    MembershipFactory(user=both, initiative=initiative, role=Role.DATA_STEWARD)
    MembershipFactory(user=both, initiative=initiative, role=Role.FACILITATOR)
    client.force_login(organizer)
    assert "with the balanced assignment" in overview(client, initiative)
    client.force_login(both)
    page = overview(client, initiative)
    assert "Organizers create the circles; they appear here." in page
    assert "with the balanced assignment" not in page


def test_two_initiatives_never_share_cards(client):
    first, second = InitiativeFactory(), InitiativeFactory()
    organizer = UserFactory()
    for initiative in (first, second):
        MembershipFactory(user=organizer, initiative=initiative, role=Role.ORGANIZER)
    populate_circle(first, name="Only in the first")
    populate_circle(second, name="Only in the second")
    client.force_login(organizer)

    one, two = overview(client, first), overview(client, second)

    assert "Only in the first" in one
    assert "Only in the second" not in one
    assert "Only in the second" in two
    assert "Only in the first" not in two


def test_each_page_has_its_own_cards(organizer_client, initiative):
    for n in range(26):
        CircleFactory(initiative=initiative, name=f"Circle {n:02d}")
    one = overview(organizer_client, initiative)
    two = overview(organizer_client, initiative, "?page=2")
    assert "Circle 00" in one
    assert "Circle 25" not in one
    assert "Circle 25" in two
    assert "Circle 00" not in two
    assert cards(overview(organizer_client, initiative, "?page=99")) == cards(two)  # the last


def test_languages_are_kept_apart(organizer_client, initiative):
    populate_circle(initiative)
    english = overview(organizer_client, initiative)
    organizer_client.cookies["django_language"] = "es"
    spanish = overview(organizer_client, initiative)
    organizer_client.cookies["django_language"] = "en"
    english_again = overview(organizer_client, initiative)

    assert "Next meeting" in english
    assert "Próxima reunión" not in english
    assert "Próxima reunión" in spanish
    assert "Next meeting" not in spanish
    assert cards(english_again) == cards(english)
