"""The setup checklist on an initiative's overview (initiatives/checklist.py and each app's
setup_steps.py): every step's done / not yet / not needed from the data, its link, the roles
that see a link, Spanish, and its one query."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from evaluation.services.waves import wave_set_up
from guides.models import MeetingStatus
from guides.services.reminders import placement_notices_send
from initiatives.checklist import DONE, NOT_NEEDED, NOT_YET, SETUP_STEPS, setup_checklist
from initiatives.models import Phase, Role
from initiatives.permissions import PERMISSIONS, has_perm
from participants.models import Status

from .factories import (
    ActionTeamFactory,
    BallotFactory,
    CircleFactory,
    CircleMemberFactory,
    CircleSessionFactory,
    CoalitionMembershipFactory,
    DiscussionGuideFactory,
    GuideSessionFactory,
    IdeaFactory,
    InclusionTargetFactory,
    MembershipFactory,
    OutreachActivityFactory,
    ParticipantFactory,
    RegistrationSettingsFactory,
)
from .helpers import assert_queries_do_not_grow

pytestmark = pytest.mark.django_db


def rows(initiative, roles=frozenset({Role.ORGANIZER})):
    initiative.refresh_from_db()
    return {row.step.key: row for row in setup_checklist(initiative=initiative, roles=roles).rows}


def status(initiative, key):
    return rows(initiative)[key].status


def at_phase(initiative, phase):
    initiative.phase = phase
    initiative.save(update_fields=["phase"])


# --- the registry ---------------------------------------------------------------------------------


def test_every_app_registers_its_steps_in_the_order_of_the_cycle():
    assert [step.key for step in SETUP_STEPS] == [
        "coalition",
        "team",
        "targets",
        "registration",
        "publish",
        "guide",
        "circles",
        "assignment",
        "meetings",
        "placement_notices",
        "forum",
        "action_teams",
        "evaluation",
    ]
    orders = [step.order for step in SETUP_STEPS]
    assert orders == sorted(orders)
    assert len(set(orders)) == len(orders)
    # Each step names a permission the permission table knows (the link's audience).
    assert all(step.permission in PERMISSIONS for step in SETUP_STEPS)


def test_a_new_initiative_has_every_step_still_to_do(initiative):
    assert {row.status for row in rows(initiative).values()} == {NOT_YET}


# --- done, step by step ---------------------------------------------------------------------------


def test_coalition_is_done_with_police_local_government_and_youth(initiative):
    CoalitionMembershipFactory(initiative=initiative, organization__sector="police")
    CoalitionMembershipFactory(initiative=initiative, organization__sector="faith")
    row = rows(initiative)["coalition"]
    assert row.status == NOT_YET
    assert str(row.detail) == "Missing: Local government, Youth organization"
    CoalitionMembershipFactory(initiative=initiative, organization__sector="local_government")
    CoalitionMembershipFactory(initiative=initiative, organization__sector="youth")
    assert status(initiative, "coalition") == DONE


def test_team_asks_for_a_facilitator_then_a_data_steward(initiative):
    row = rows(initiative)["team"]
    assert row.link.url.endswith("/team/invite/?role=facilitator")
    MembershipFactory(initiative=initiative, role=Role.FACILITATOR)
    row = rows(initiative)["team"]
    assert (row.status, str(row.detail)) == (NOT_YET, "Still needed: a data steward")
    assert row.link.url.endswith("/team/invite/?role=data_steward")
    MembershipFactory(initiative=initiative, role=Role.DATA_STEWARD)
    assert status(initiative, "team") == DONE


def test_targets_registration_and_publish(initiative):
    InclusionTargetFactory(initiative=initiative)
    RegistrationSettingsFactory(initiative=initiative, is_open=False)
    current = rows(initiative)
    assert current["targets"].status == DONE
    assert current["registration"].status == NOT_YET
    assert current["publish"].link.method == "post"
    assert current["publish"].link.data == {"publish": "1"}
    initiative.registration_settings.is_open = True
    initiative.registration_settings.save()
    initiative.is_published = True
    initiative.save()
    current = rows(initiative)
    assert (current["registration"].status, current["publish"].status) == (DONE, DONE)


def test_guide_counts_only_the_initiatives_own_guide_with_sessions(initiative):
    GuideSessionFactory(guide=DiscussionGuideFactory(initiative=None))  # the library's
    empty = DiscussionGuideFactory(initiative=initiative)
    assert status(initiative, "guide") == NOT_YET
    GuideSessionFactory(guide=empty)
    assert status(initiative, "guide") == DONE


def test_circles_and_assignment(initiative):
    circle = CircleFactory(initiative=initiative)
    assert (status(initiative, "circles"), status(initiative, "assignment")) == (DONE, NOT_YET)
    CircleMemberFactory(circle=circle)
    assert status(initiative, "assignment") == DONE


def test_meetings_link_to_the_first_circle_without_any(initiative):
    assert rows(initiative)["meetings"].link.url == reverse(
        "guides:circles", args=[initiative.slug]
    )
    ready = CircleFactory(initiative=initiative, name="A circle")
    waiting = CircleFactory(initiative=initiative, name="B circle")
    CircleSessionFactory(circle=ready)
    # A circle whose only meeting was cancelled has no meeting to go to.
    CircleSessionFactory(circle=waiting, status=MeetingStatus.CANCELLED)
    row = rows(initiative)["meetings"]
    assert row.status == NOT_YET
    assert str(row.detail) == "No meetings yet: B circle"
    assert row.link.url == reverse(
        "guides:circle_schedule_generate", args=[initiative.slug, waiting.pk]
    )
    CircleSessionFactory(circle=waiting)
    assert status(initiative, "meetings") == DONE


def test_placement_notices_are_done_once_everyone_placed_was_emailed(initiative, organizer):
    circle = CircleFactory(initiative=initiative)
    assert status(initiative, "placement_notices") == NOT_YET  # nobody placed yet
    CircleMemberFactory(circle=circle)
    assert status(initiative, "placement_notices") == NOT_YET
    placement_notices_send(user=organizer, initiative=initiative)
    assert status(initiative, "placement_notices") == DONE
    # Someone placed since has not had theirs.
    later = CircleMemberFactory(circle=CircleFactory(initiative=initiative))
    assert status(initiative, "placement_notices") == NOT_YET
    # A withdrawn person gets no notice, so they do not hold the step back.
    later.participant.status = Status.WITHDRAWN
    later.participant.save()
    assert status(initiative, "placement_notices") == DONE


def test_placement_notices_are_not_needed_when_nobody_placed_has_an_email(initiative):
    # A child registered through a guardian has no address of their own: no notice goes out.
    child = ParticipantFactory(
        initiative=initiative, email="", guardian_email="parent@example.net", age_band="under_13"
    )
    CircleMemberFactory(circle=CircleFactory(initiative=initiative), participant=child)
    row = rows(initiative)["placement_notices"]
    assert (row.status, row.link) == (NOT_NEEDED, None)


def test_forum_goes_to_the_ideas_until_a_ballot_has_two_to_list(initiative):
    kept = IdeaFactory(initiative=initiative)
    row = rows(initiative)["forum"]
    assert row.link.url == reverse("actions:ideas", args=[initiative.slug])
    assert "at least two ideas" in str(row.detail)
    IdeaFactory(initiative=initiative, merged_into=kept)  # a merged idea can't be listed
    assert rows(initiative)["forum"].link.url == reverse("actions:ideas", args=[initiative.slug])
    IdeaFactory(initiative=initiative)
    row = rows(initiative)["forum"]
    assert (row.link.url, row.detail) == (reverse("actions:ballot_add", args=[initiative.slug]), "")
    BallotFactory(initiative=initiative)
    assert status(initiative, "forum") == DONE


def test_action_teams(initiative):
    ActionTeamFactory(initiative=initiative)
    assert status(initiative, "action_teams") == DONE


def test_evaluation_needs_the_before_and_after_waves(initiative, organizer):
    wave_set_up(initiative=initiative, kind="pre", actor=organizer)
    row = rows(initiative)["evaluation"]
    assert (row.status, str(row.detail)) == (NOT_YET, "Not set up: After the dialogues")
    wave_set_up(initiative=initiative, kind="post", actor=organizer)
    assert status(initiative, "evaluation") == DONE


# --- not needed: the step's moment has passed --------------------------------------------------


@pytest.mark.parametrize(
    ("phase", "not_needed"),
    [
        (Phase.ORGANIZING, set()),
        (Phase.RECRUITING, set()),
        (Phase.DIALOGUE, {"targets", "registration"}),
        (
            Phase.ACTION_FORUM,
            {"targets", "registration", "guide", "circles", "assignment", "meetings"}
            | {"placement_notices"},
        ),
        (
            Phase.ACTION,
            {"targets", "registration", "guide", "circles", "assignment", "meetings"}
            | {"placement_notices", "forum"},
        ),
        (
            Phase.EVALUATION,
            {"targets", "registration", "guide", "circles", "assignment", "meetings"}
            | {"placement_notices", "forum", "action_teams"},
        ),
        (Phase.CLOSED, {step.key for step in SETUP_STEPS}),
    ],
)
def test_a_step_not_done_is_not_needed_once_the_initiative_moved_past_it(
    initiative, phase, not_needed
):
    at_phase(initiative, phase)
    current = rows(initiative)
    assert {key for key, row in current.items() if row.status == NOT_NEEDED} == not_needed
    assert all(current[key].link is None for key in not_needed)


def test_a_step_done_stays_done_after_its_phase(initiative):
    InclusionTargetFactory(initiative=initiative)
    CircleFactory(initiative=initiative)
    at_phase(initiative, Phase.CLOSED)
    current = rows(initiative)
    assert (current["targets"].status, current["circles"].status) == (DONE, DONE)
    # Registration closed once recruiting is over is how it should be.
    RegistrationSettingsFactory(initiative=initiative, is_open=False)
    at_phase(initiative, Phase.DIALOGUE)
    assert status(initiative, "registration") == NOT_NEEDED


# --- who sees which link ----------------------------------------------------------------------


CHECKLIST_ROW = re.compile(
    r'<li [^>]*data-step="([a-z_]+)" data-status="([a-z_]+)">(.*?)</li>', re.S
)


def checklist_on_page(html) -> dict[str, str]:
    return {key: body for key, _status, body in CHECKLIST_ROW.findall(html)}


@pytest.mark.parametrize("role", Role.values)
def test_each_role_sees_only_the_links_it_may_use_and_they_open(
    client, initiative, member_of, role
):
    user = member_of(initiative, role)
    client.force_login(user)
    page = client.get(initiative.get_absolute_url()).content.decode()
    shown = checklist_on_page(page)
    assert list(shown) == [step.key for step in SETUP_STEPS]  # everyone sees the progress
    for step in SETUP_STEPS:
        body = shown[step.key]
        links = re.findall(r'href="([^"]+)"', body)
        forms = re.findall(r'<form method="post" action="([^"]+)"', body)
        if has_perm({role}, step.permission):
            assert links or forms, (role, step.key)
        else:
            assert (links, forms) == ([], []), (role, step.key)
        for url in links:
            assert client.get(url).status_code == 200, (role, step.key, url)
    if role != Role.ORGANIZER and role != Role.COALITION_LEAD:
        assert not re.search(r"<(a|form) ", "".join(shown.values()))


def test_police_liaison_and_facilitator_see_no_link_at_all(client, initiative, member_of):
    for role in (Role.POLICE_LIAISON, Role.FACILITATOR, Role.OBSERVER, Role.DATA_STEWARD):
        client.force_login(member_of(initiative, role))
        page = client.get(initiative.get_absolute_url()).content.decode()
        assert "Setup checklist" in page
        body = "".join(checklist_on_page(page).values())
        assert "href=" not in body, role
        assert "<form" not in body, role


# --- Spanish ----------------------------------------------------------------------------------


def test_the_checklist_reads_in_spanish(organizer_client, initiative):
    CoalitionMembershipFactory(initiative=initiative, organization__sector="police")
    at_phase(initiative, Phase.DIALOGUE)
    organizer_client.cookies["django_language"] = "es"
    page = organizer_client.get(initiative.get_absolute_url()).content.decode()
    assert "Lista de pasos para poner en marcha" in page
    assert "Forme la coalición con los sectores clave" in page
    assert "Faltan: Gobierno local, Organización juvenil" in page
    assert "Todavía no" in page
    assert "No hace falta" in page
    assert "0 de 13 pasos cumplidos" in page
    assert "Invitar a un miembro del equipo" in page
    assert "Build the coalition" not in page
    with translation.override("es"):
        titles = [str(step.title) for step in SETUP_STEPS]
        whys = [str(step.why) for step in SETUP_STEPS]
    with translation.override("en"):
        english = [str(step.title) for step in SETUP_STEPS] + [str(s.why) for s in SETUP_STEPS]
    assert not set(titles + whys) & set(english), "a step's text is not translated"


# --- queries ------------------------------------------------------------------------------------


def test_the_checklist_is_one_query(initiative, django_assert_num_queries):
    with django_assert_num_queries(1):
        setup_checklist(initiative=initiative, roles={Role.ORGANIZER})


def test_the_overview_does_not_query_more_with_ten_times_the_data(
    organizer_client, initiative, organizer
):
    def fill(n):
        for _ in range(n):
            CoalitionMembershipFactory(initiative=initiative)
            MembershipFactory(initiative=initiative, role=Role.FACILITATOR)
            InclusionTargetFactory(initiative=initiative, group=f"group {_}-{n}")
            guide = DiscussionGuideFactory(initiative=initiative)
            GuideSessionFactory(guide=guide)
            circle = CircleFactory(initiative=initiative)
            CircleMemberFactory(circle=circle)
            CircleSessionFactory(circle=circle)
            IdeaFactory(initiative=initiative)
            BallotFactory(initiative=initiative)
            ActionTeamFactory(initiative=initiative)
            OutreachActivityFactory(initiative=initiative)
        placement_notices_send(user=organizer, initiative=initiative)

    fill(2)
    assert_queries_do_not_grow(
        organizer_client,
        initiative.get_absolute_url(),
        lambda: fill(20),
        # The overview's own (with circles and meetings, "Needs attention" reads their needs),
        # and one for the whole checklist.
        limit=16,
    )


def test_registration_closed_after_people_signed_up_online_stays_done(initiative):
    """An organizer who closes registration during recruiting (the places are taken) has done
    the step: the checklist must not send them back to "Open registration"."""
    RegistrationSettingsFactory(initiative=initiative, is_open=False)
    ParticipantFactory(initiative=initiative, source="staff")
    assert (
        status(initiative, "registration") == NOT_YET
    )  # entered by staff: the form never took one
    ParticipantFactory(initiative=initiative, source="online")
    assert status(initiative, "registration") == DONE
