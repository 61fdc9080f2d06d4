"""Action teams, goals and milestones: the progress roll-up on hand-made examples, team
create/edit validation, delete-with-history confirmation, joining from the manage link, who
sees member names (never police or observers), 404 across initiatives
and query counts that stay flat at 10× teams, goals and milestones."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actions.models import (
    ActionTeam,
    Milestone,
    MilestoneStatus,
    ProgressUpdate,
    TeamMember,
)
from actions.selectors import progress as progress_selectors
from actions.selectors import teams as team_selectors
from actions.services import teams
from dialogue_hub.exceptions import DomainError
from initiatives.models import ActivityLogEntry, Role
from participants.models import Status
from participants.services import registration as participant_services

from ..factories import (
    ActionTeamFactory,
    CoalitionMembershipFactory,
    GoalFactory,
    IdeaFactory,
    InitiativeFactory,
    MembershipFactory,
    MilestoneFactory,
    ParticipantFactory,
    UserFactory,
)
from ..helpers import assert_queries_do_not_grow

pytestmark = pytest.mark.django_db

DONE, DROPPED, PLANNED = MilestoneStatus.DONE, MilestoneStatus.DROPPED, MilestoneStatus.PLANNED


# --- factories (local to this module) ----------------------------------------------------------


def goal_with(team, *milestones):
    """A goal of `team` with milestones given as (status, weight) pairs."""
    goal = GoalFactory(team=team)
    for status, weight in milestones:
        MilestoneFactory(goal=goal, status=status, weight=weight)
    return goal


# --- roll-up ------------------------------------------------------------------------------------


def test_unweighted_goals_are_plain_averages_and_dropped_milestones_do_not_count(initiative):
    team = ActionTeamFactory(initiative=initiative)
    # 1 done of 3 counted (the dropped one is left out): 1/3
    goal_with(team, (DONE, None), (PLANNED, None), (MilestoneStatus.BLOCKED, None), (DROPPED, None))
    # 2 of 2: 1
    goal_with(team, (DONE, None), (DONE, None))

    assert team_selectors.team_progress(team) == Decimal("0.6667")  # (1/3 + 1) / 2


def test_weights_are_used_where_set_and_unweighted_milestones_count_as_one(initiative):
    team = ActionTeamFactory(initiative=initiative)
    # done weight 3 + done unweighted 1 = 4 of 3 + 1 + 1 = 5
    goal_with(team, (DONE, 3), (MilestoneStatus.IN_PROGRESS, None), (DONE, None), (DROPPED, 50))

    assert team_selectors.team_progress(team) == Decimal("0.8000")


def test_goals_without_counted_milestones_are_left_out_not_zero(initiative):
    team = ActionTeamFactory(initiative=initiative)
    goal_with(team, (DONE, None), (PLANNED, None))  # 1/2
    goal_with(team, (DROPPED, None))  # nothing counts
    GoalFactory(team=team)  # no milestones

    assert team_selectors.team_progress(team) == Decimal("0.5000")


def test_team_without_milestones_has_no_progress(initiative):
    empty = ActionTeamFactory(initiative=initiative)
    only_goal = ActionTeamFactory(initiative=initiative)
    GoalFactory(team=only_goal)
    only_dropped = ActionTeamFactory(initiative=initiative)
    goal_with(only_dropped, (DROPPED, 2))

    assert team_selectors.team_progress(empty) is None
    assert team_selectors.team_progress(only_goal) is None
    assert team_selectors.team_progress(only_dropped) is None
    assert team_selectors.initiative_progress([empty, only_goal, only_dropped]) is None


def test_initiative_progress_averages_teams_that_have_progress(initiative):
    a = ActionTeamFactory(initiative=initiative)
    goal_with(a, (DONE, None), (PLANNED, None), (PLANNED, None))  # 1/3
    b = ActionTeamFactory(initiative=initiative)
    goal_with(b, (DONE, 1), (PLANNED, 3))  # 1/4
    ActionTeamFactory(initiative=initiative)  # no milestones: left out
    other = ActionTeamFactory()  # another initiative: not passed
    goal_with(other, (DONE, None))

    expected = ((Decimal(1) / 3 + Decimal(1) / 4) / 2).quantize(Decimal("0.0001"))
    assert (
        team_selectors.initiative_progress(initiative.action_teams.all())
        == expected
        == Decimal("0.2917")
    )
    assert team_selectors.teams_progress(initiative.action_teams.all())[a.pk] == Decimal("0.3333")


def test_progress_takes_one_query_whatever_the_number_of_teams(initiative):
    team_list = [ActionTeamFactory(initiative=initiative) for _ in range(10)]
    for team in team_list:
        goal_with(team, (DONE, 2), (PLANNED, None))
    with CaptureQueriesContext(connection) as ctx:
        result = team_selectors.teams_progress(team_list)
        team_selectors.initiative_progress(team_list)
    assert len(ctx.captured_queries) == 2
    assert set(result.values()) == {Decimal("0.6667")}


def test_goal_progress_from_loaded_milestones_matches_the_sql(initiative):
    team = ActionTeamFactory(initiative=initiative)
    goal = goal_with(team, (DONE, 5), (PLANNED, None), (DROPPED, 2), (DONE, None))
    assert team_selectors.rounded(
        team_selectors.goal_progress_from(goal.milestones.all())
    ) == team_selectors.team_progress(team)


# --- services: teams -----------------------------------------------------------------------------


@pytest.fixture
def facilitator(initiative, member_of):
    return member_of(initiative, Role.FACILITATOR, display_name="Nia Neutral")


def create(initiative, user, **overrides):
    kwargs = {
        "user": user,
        "initiative": initiative,
        "name": "Youth and police",
        "level": "community",
    }
    kwargs.update(overrides)
    return teams.team_create(**kwargs)


def test_team_create_links_ideas_convener_facilitator_and_logs(initiative, organizer, facilitator):
    idea = IdeaFactory(initiative=initiative)
    convener = ParticipantFactory(initiative=initiative, name="Maria Lopez")

    team = create(
        initiative,
        organizer,
        ideas=[idea],
        convener=convener,
        facilitator=facilitator,
        update_every_days=14,
    )

    assert list(team.ideas.all()) == [idea]
    assert (team.convener, team.facilitator, team.update_every_days) == (
        convener,
        facilitator,
        14,
    )
    entry = ActivityLogEntry.objects.get(action="action_team.created")
    assert entry.target_label == "Youth and police"
    assert "Maria" not in str(entry.details)


@pytest.mark.parametrize(
    ("make_overrides", "field"),
    [
        (lambda i: {"name": "  "}, "name_en"),
        (lambda i: {"name": "existing TEAM"}, "name_en"),
        (lambda i: {"level": "galactic"}, "level"),
        (lambda i: {"update_every_days": 0}, "update_every_days"),
        (lambda i: {"update_every_days": 400}, "update_every_days"),
        (lambda i: {"ideas": [IdeaFactory()]}, "ideas"),
        (
            lambda i: {"ideas": [IdeaFactory(initiative=i, merged_into=IdeaFactory(initiative=i))]},
            "ideas",
        ),
        (lambda i: {"convener": ParticipantFactory()}, "convener"),
        (
            lambda i: {"convener": ParticipantFactory(initiative=i, status=Status.WITHDRAWN)},
            "convener",
        ),
        (lambda i: {"facilitator": UserFactory()}, "facilitator"),
        (
            lambda i: {"facilitator": MembershipFactory(initiative=i, role=Role.RECORDER).user},
            "facilitator",
        ),
    ],
)
def test_team_create_refuses_bad_input(initiative, organizer, make_overrides, field):
    ActionTeamFactory(initiative=initiative, name="Existing team")
    with pytest.raises(DomainError) as refused:
        create(initiative, organizer, **make_overrides(initiative))
    assert refused.value.field == field
    assert ActionTeam.objects.count() == 1


def test_team_update_keeps_its_own_name_and_refuses_anothers(initiative, organizer):
    ActionTeamFactory(initiative=initiative, name="Schools")
    team = create(initiative, organizer)
    teams.team_update(user=organizer, team=team, name="Youth and police", level="policy")
    team.refresh_from_db()
    assert team.level == "policy"
    with pytest.raises(DomainError):
        teams.team_update(user=organizer, team=team, name="schools", level="policy")


def test_delete_team_with_updates_needs_confirmation_and_keeps_history_in_the_log(
    initiative, organizer
):
    team = ActionTeamFactory(initiative=initiative, name="Policy reform")
    goal_with(team, (DONE, None), (PLANNED, None))
    ProgressUpdate.objects.create(team=team, author=organizer, narrative="Met the chief.")
    ProgressUpdate.objects.create(team=team, author=organizer, narrative="Drafted a proposal.")

    with pytest.raises(teams.TeamHasHistory):
        teams.team_delete(user=organizer, team=team)
    assert ActionTeam.objects.filter(pk=team.pk).exists()

    teams.team_delete(user=organizer, team=team, confirm=True)

    assert not ActionTeam.objects.filter(pk=team.pk).exists()
    entry = ActivityLogEntry.objects.get(action="action_team.deleted")
    assert entry.target_label == "Policy reform"
    assert entry.details["name"] == "Policy reform"
    assert (entry.details["updates"], entry.details["goals"], entry.details["milestones"]) == (
        2,
        1,
        2,
    )


def test_member_add_refuses_strangers_withdrawn_and_duplicates(initiative, organizer):
    team = ActionTeamFactory(initiative=initiative)
    person = ParticipantFactory(initiative=initiative)
    partner = CoalitionMembershipFactory(initiative=initiative)
    teams.team_member_add(user=organizer, team=team, participant=person)
    teams.team_member_add(user=organizer, team=team, organization=partner)

    for kwargs, field in [
        ({"participant": person}, "participant"),
        ({"organization": partner}, "organization"),
        ({"participant": ParticipantFactory()}, "participant"),
        (
            {"participant": ParticipantFactory(initiative=initiative, status=Status.WITHDRAWN)},
            "participant",
        ),
        ({"organization": CoalitionMembershipFactory()}, "organization"),
    ]:
        with pytest.raises(DomainError) as refused:
            teams.team_member_add(user=organizer, team=team, **kwargs)
        assert refused.value.field == field
    with pytest.raises(DomainError):
        teams.team_member_add(user=organizer, team=team)
    assert team.members.count() == 2


# --- services: goals and milestones ----------------------------------------------------------


def test_milestone_done_sets_completed_on_and_leaving_done_clears_it(initiative, organizer):
    goal = GoalFactory(team=ActionTeamFactory(initiative=initiative))
    milestone = teams.milestone_create(user=organizer, goal=goal, title="Meet the council")
    assert milestone.completed_on is None

    teams.milestone_update(user=organizer, milestone=milestone, title="Meet", status=DONE)
    milestone.refresh_from_db()
    assert milestone.completed_on == progress_selectors.initiative_today(initiative)

    teams.milestone_update(user=organizer, milestone=milestone, title="Meet", status=PLANNED)
    milestone.refresh_from_db()
    assert milestone.completed_on is None


def test_a_milestone_created_done_is_done_today_and_an_edit_keeps_that_day(initiative, organizer):
    goal = GoalFactory(team=ActionTeamFactory(initiative=initiative))
    milestone = teams.milestone_create(user=organizer, goal=goal, title="Meet", status=DONE)
    assert milestone.completed_on == progress_selectors.initiative_today(initiative)

    earlier = milestone.completed_on - timedelta(days=5)
    Milestone.objects.filter(pk=milestone.pk).update(completed_on=earlier)
    milestone.refresh_from_db()
    teams.milestone_update(user=organizer, milestone=milestone, title="Met", status=DONE)
    milestone.refresh_from_db()
    assert (milestone.title, milestone.completed_on) == ("Met", earlier)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"title": " "}, "title"), ({"weight": 0}, "weight"), ({"status": "finished"}, "status")],
)
def test_milestone_refuses_bad_input(initiative, organizer, kwargs, field):
    goal = GoalFactory(team=ActionTeamFactory(initiative=initiative))
    data = {"title": "Meet", "status": PLANNED} | kwargs
    with pytest.raises(DomainError) as refused:
        teams.milestone_create(user=organizer, goal=goal, **data)
    assert refused.value.field == field


def test_goal_needs_a_title(initiative, organizer):
    with pytest.raises(DomainError) as refused:
        teams.goal_create(user=organizer, team=ActionTeamFactory(initiative=initiative), title="")
    assert refused.value.field == "title"


# --- views ---------------------------------------------------------------------------------------


def url(name, initiative, *args):
    return reverse(f"actions:{name}", args=[initiative.slug, *args])


def test_organizer_creates_a_team_through_the_form(organizer_client, initiative, facilitator):
    idea = IdeaFactory(initiative=initiative)
    response = organizer_client.post(
        url("team_add", initiative),
        {
            "name_en": "Youth voice",
            "level": "institutional",
            "description_en": "A youth seat on the police advisory board.",
            "ideas": [idea.pk],
            "convener": "",
            "facilitator": facilitator.pk,
            "update_every_days": "30",
        },
    )
    team = ActionTeam.objects.get()
    assert response.status_code == 302
    assert response.url == url("team_detail", initiative, team.pk)
    assert list(team.ideas.all()) == [idea]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name_en": ""}, "name_en"),
        ({"name_en": "taken"}, "name_en"),
        ({"update_every_days": "0"}, "update_every_days"),
        ({"update_every_days": "soon"}, "update_every_days"),
        ({"level": "cosmic"}, "level"),
        ({"ideas": ["999999"]}, "ideas"),
    ],
)
def test_team_form_shows_field_errors_and_keeps_input(
    organizer_client, initiative, overrides, field
):
    ActionTeamFactory(initiative=initiative, name="Taken")
    data = {"name_en": "Youth voice", "level": "community", "update_every_days": "30"} | overrides
    response = organizer_client.post(url("team_add", initiative), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert ActionTeam.objects.count() == 1
    if field != "name_en":
        assert "Youth voice" in response.content.decode()


def test_goal_and_milestone_forms_keep_input_on_bad_values(organizer_client, initiative):
    team = ActionTeamFactory(initiative=initiative)
    goal = GoalFactory(team=team)
    response = organizer_client.post(
        url("goal_add", initiative, team.pk), {"title": "", "indicator": "Seats held"}
    )
    assert response.status_code == 200
    assert "title" in response.context["form"].errors
    assert "Seats held" in response.content.decode()
    response = organizer_client.post(
        url("milestone_add", initiative, team.pk, goal.pk),
        {"title": "Draft", "status": "planned", "weight": "0", "due_on": "not a date"},
    )
    assert response.status_code == 200
    assert {"weight", "due_on"} <= set(response.context["form"].errors)
    assert not Milestone.objects.exists()


def test_detail_shows_goals_progress_and_highlights_overdue_milestones(
    organizer_client, initiative
):
    team = ActionTeamFactory(initiative=initiative)
    goal = GoalFactory(team=team, title="A youth seat on the board", indicator="Seats")
    today = progress_selectors.initiative_today(initiative)
    MilestoneFactory(goal=goal, title="Late one", due_on=today - timedelta(days=1))
    MilestoneFactory(goal=goal, title="Done late", due_on=today - timedelta(days=3), status=DONE)
    MilestoneFactory(
        goal=goal, title="Dropped late", due_on=today - timedelta(days=3), status=DROPPED
    )
    MilestoneFactory(goal=goal, title="Due today", due_on=today)

    response = organizer_client.get(url("team_detail", initiative, team.pk))

    assert response.status_code == 200
    assert response.context["overdue_count"] == 1
    milestones = {m.title: m.is_overdue for m in response.context["goals"][0].milestones}
    assert milestones == {
        "Late one": True,
        "Done late": False,
        "Dropped late": False,
        "Due today": False,
    }
    assert response.context["progress"] == Decimal("0.3333")
    assert "A youth seat on the board" in response.content.decode()
    assert "33 %" in response.content.decode()


def test_delete_view_asks_again_when_the_team_has_updates(organizer_client, initiative, organizer):
    team = ActionTeamFactory(initiative=initiative)
    ProgressUpdate.objects.create(team=team, author=organizer, narrative="First meeting held.")

    response = organizer_client.post(url("team_delete", initiative, team.pk))
    assert response.status_code == 200
    assert response.context["counts"]["updates"] == 1
    assert 'name="confirm" value="1"' in response.content.decode()
    assert ActionTeam.objects.filter(pk=team.pk).exists()

    response = organizer_client.post(url("team_delete", initiative, team.pk), {"confirm": "1"})
    assert response.status_code == 302
    assert not ActionTeam.objects.filter(pk=team.pk).exists()
    assert ActivityLogEntry.objects.filter(action="action_team.deleted").count() == 1


def test_delete_view_deletes_a_team_without_updates_at_once(organizer_client, initiative):
    team = ActionTeamFactory(initiative=initiative)
    response = organizer_client.post(url("team_delete", initiative, team.pk))
    assert response.status_code == 302
    assert not ActionTeam.objects.filter(pk=team.pk).exists()


def test_members_page_adds_and_removes_people_and_organizations(organizer_client, initiative):
    team = ActionTeamFactory(initiative=initiative)
    person = ParticipantFactory(initiative=initiative)
    partner = CoalitionMembershipFactory(initiative=initiative)
    page = url("team_members", initiative, team.pk)

    assert organizer_client.post(page, {"person-participant": person.pk}).status_code == 302
    assert organizer_client.post(page, {"org-organization": partner.pk}).status_code == 302
    again = organizer_client.post(page, {"person-participant": person.pk})
    assert again.status_code == 200
    assert again.context["person_form"].errors
    assert team.members.count() == 2

    member = team.members.get(participant=person)
    response = organizer_client.post(url("team_member_remove", initiative, team.pk, member.pk))
    assert response.status_code == 302
    assert list(team.members.values_list("organization", flat=True)) == [partner.pk]


# --- privacy -------------------------------------------------------------------------------------


@pytest.fixture
def named_team(initiative):
    team = ActionTeamFactory(initiative=initiative, name="Trust builders")
    convener = ParticipantFactory(initiative=initiative, name="Conrad Convener")
    team.convener = convener
    team.save(update_fields=["convener"])
    TeamMember.objects.create(team=team, participant=convener)
    TeamMember.objects.create(
        team=team, participant=ParticipantFactory(initiative=initiative, name="Maria Lopez")
    )
    partner = CoalitionMembershipFactory(
        initiative=initiative, organization__name="Eastside Church"
    )
    TeamMember.objects.create(team=team, organization=partner)
    return team


@pytest.mark.parametrize(
    "role", [Role.POLICE_LIAISON, Role.OBSERVER, Role.COALITION_LEAD, Role.FACILITATOR]
)
def test_roles_without_the_roster_never_see_member_or_convener_names(
    client, initiative, member_of, named_team, role
):
    client.force_login(member_of(initiative, role))
    for page in (
        url("teams", initiative),
        url("team_detail", initiative, named_team.pk),
        *([url("team_members", initiative, named_team.pk)] if role == Role.COALITION_LEAD else []),
        *([url("team_edit", initiative, named_team.pk)] if role == Role.COALITION_LEAD else []),
    ):
        content = client.get(page).content.decode()
        assert "Maria Lopez" not in content, page
        assert "Conrad Convener" not in content, page
        assert "Trust builders" in content
    detail = client.get(url("team_detail", initiative, named_team.pk))
    assert "Eastside Church" in detail.content.decode()
    assert detail.context["people_count"] is None  # 2 people: suppressed


def test_coalition_lead_edit_keeps_the_convener_it_cannot_see(
    client, initiative, member_of, named_team
):
    client.force_login(member_of(initiative, Role.COALITION_LEAD))
    response = client.post(
        url("team_edit", initiative, named_team.pk),
        {"name_en": "Trust builders", "level": "policy", "update_every_days": "20"},
    )
    assert response.status_code == 302
    named_team.refresh_from_db()
    assert named_team.convener.name == "Conrad Convener"
    assert named_team.level == "policy"


@pytest.mark.parametrize("role", [Role.ORGANIZER, Role.DATA_STEWARD])
def test_roster_roles_see_member_names(client, initiative, member_of, named_team, role):
    client.force_login(member_of(initiative, role))
    content = client.get(url("team_detail", initiative, named_team.pk)).content.decode()
    assert "Maria Lopez" in content
    assert "Conrad Convener" in content


# --- joining from the manage link ----------------------------------------------------------


def join_url(participant):
    token = participant_services.make_token(participant, participant_services.MANAGE_SALT)
    return reverse("actions:participant_teams", args=[token])


def test_participant_joins_and_leaves_a_team_from_the_manage_link(client, initiative):
    team = ActionTeamFactory(initiative=initiative, name="Safer streets", description="Lights")
    person = ParticipantFactory(initiative=initiative)
    page = join_url(person)

    response = client.get(page)
    assert response.status_code == 200
    assert "Safer streets" in response.content.decode()

    assert client.post(page, {"team": team.pk, "action": "join"}).status_code == 302
    assert client.post(page, {"team": team.pk, "action": "join"}).status_code == 302  # twice
    assert TeamMember.objects.filter(team=team, participant=person).count() == 1
    assert ActivityLogEntry.objects.filter(action="action_team.joined").count() == 1

    assert client.post(page, {"team": team.pk, "action": "leave"}).status_code == 302
    assert not TeamMember.objects.filter(team=team, participant=person).exists()


def test_withdrawn_participant_cannot_join(client, initiative):
    team = ActionTeamFactory(initiative=initiative)
    person = ParticipantFactory(initiative=initiative, status=Status.WITHDRAWN)
    response = client.post(join_url(person), {"team": team.pk, "action": "join"})
    assert response.status_code == 400
    assert not TeamMember.objects.exists()


@pytest.mark.parametrize("team_value", ["abc", "", "999999", "other"])
def test_join_refuses_teams_of_other_initiatives_and_nonsense(client, initiative, team_value):
    other = ActionTeamFactory()
    person = ParticipantFactory(initiative=initiative)
    value = str(other.pk) if team_value == "other" else team_value
    response = client.post(join_url(person), {"team": value, "action": "join"})
    assert response.status_code == 400
    assert not TeamMember.objects.exists()


def test_bad_token_is_404(client):
    response = client.get(reverse("actions:participant_teams", args=["not-a-token"]))
    assert response.status_code == 404


def test_manage_page_links_to_joining_a_team(client, initiative):
    person = ParticipantFactory(initiative=initiative)
    token = participant_services.make_token(person, participant_services.MANAGE_SALT)
    content = client.get(reverse("participants:manage", args=[token])).content.decode()
    assert reverse("actions:participant_teams", args=[token]) in content


# --- the feature's URLs, 404 across initiatives (who may open each: tests/security/test_matrix.py)


MATRIX = {
    # name: (method, extra args builder)
    "teams": ("get", lambda team, goal, milestone, member: []),
    "team_add": ("get", lambda team, goal, milestone, member: []),
    "team_detail": ("get", lambda team, goal, milestone, member: [team.pk]),
    "team_edit": ("get", lambda team, goal, milestone, member: [team.pk]),
    "team_delete": ("post", lambda team, goal, milestone, member: [team.pk]),
    "team_members": ("get", lambda team, goal, milestone, member: [team.pk]),
    "team_member_remove": ("post", lambda team, goal, milestone, member: [team.pk, member.pk]),
    "goal_add": ("get", lambda team, goal, milestone, member: [team.pk]),
    "goal_edit": ("get", lambda team, goal, milestone, member: [team.pk, goal.pk]),
    "goal_delete": ("post", lambda team, goal, milestone, member: [team.pk, goal.pk]),
    "milestone_add": ("get", lambda team, goal, milestone, member: [team.pk, goal.pk]),
    "milestone_edit": ("get", lambda team, goal, milestone, member: [team.pk, milestone.pk]),
    "milestone_delete": ("post", lambda team, goal, milestone, member: [team.pk, milestone.pk]),
}


def test_every_teams_url_is_listed():
    from actions.urls import teams as team_urls

    assert {pattern.name for pattern in team_urls.urlpatterns} == set(MATRIX) | {
        "participant_teams"
    }


def populate(initiative):
    team = ActionTeamFactory(initiative=initiative)
    goal = GoalFactory(team=team)
    milestone = MilestoneFactory(goal=goal)
    member = TeamMember.objects.create(
        team=team, organization=CoalitionMembershipFactory(initiative=initiative)
    )
    return team, goal, milestone, member


@pytest.mark.parametrize("url_name", sorted(set(MATRIX) - {"teams", "team_add"}))
def test_another_initiatives_objects_are_404(organizer_client, initiative, url_name):
    method, args = MATRIX[url_name]
    populate(initiative)
    foreign = populate(InitiativeFactory())
    # This initiative's slug with the other initiative's objects.
    response = getattr(organizer_client, method)(url(url_name, initiative, *args(*foreign)))
    assert response.status_code == 404


@pytest.mark.parametrize("url_name", sorted(MATRIX))
def test_member_of_another_initiative_gets_404(client, initiative, other_initiative, url_name):
    method, args = MATRIX[url_name]
    objects = populate(initiative)
    client.force_login(MembershipFactory(initiative=other_initiative, role=Role.ORGANIZER).user)
    response = getattr(client, method)(url(url_name, initiative, *args(*objects)))
    assert response.status_code == 404


# --- query counts ---------------------------------------------------------------------------------


def add_teams(initiative, n):
    for _ in range(n):
        team = ActionTeamFactory(initiative=initiative)
        TeamMember.objects.create(team=team, participant=ParticipantFactory(initiative=initiative))
        TeamMember.objects.create(
            team=team, organization=CoalitionMembershipFactory(initiative=initiative)
        )
        for _goal in range(2):
            goal_with(team, (DONE, 2), (PLANNED, None), (DROPPED, None))


def test_team_list_query_count_is_flat(organizer_client, initiative):
    add_teams(initiative, 2)
    assert_queries_do_not_grow(
        organizer_client, url("teams", initiative), lambda: add_teams(initiative, 20), limit=15
    )


def test_team_detail_query_count_is_flat(organizer_client, initiative):
    team = ActionTeamFactory(initiative=initiative)
    goal_with(team, (DONE, None))
    TeamMember.objects.create(team=team, participant=ParticipantFactory(initiative=initiative))

    def add_rows():
        for _ in range(10):
            goal = goal_with(team, (DONE, 2), (PLANNED, None), (DROPPED, None))
            for _m in range(7):
                MilestoneFactory(goal=goal, due_on=date(2020, 1, 1))
            TeamMember.objects.create(
                team=team, participant=ParticipantFactory(initiative=initiative)
            )
            TeamMember.objects.create(
                team=team, organization=CoalitionMembershipFactory(initiative=initiative)
            )
            team.ideas.add(IdeaFactory(initiative=initiative))

    assert_queries_do_not_grow(
        organizer_client, url("team_detail", initiative, team.pk), add_rows, limit=15
    )


def test_join_page_query_count_is_flat(client, initiative):
    person = ParticipantFactory(initiative=initiative)
    ActionTeamFactory(initiative=initiative)
    assert_queries_do_not_grow(
        client,
        join_url(person),
        lambda: [ActionTeamFactory(initiative=initiative) for _ in range(10)],
        limit=8,
    )
