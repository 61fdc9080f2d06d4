"""Progress updates, silent teams and outcomes: services directly, views through the client."""

import zoneinfo
from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from actions.models import (
    ActionTeam,
    Level,
    MilestoneStatus,
    Outcome,
    OutcomeKind,
    ProgressUpdate,
)
from actions.selectors import progress as progress_selectors
from actions.services import progress
from dialogue_hub.exceptions import DomainError
from initiatives.models import ActivityLogEntry, Role

from ..factories import (
    ActionTeamFactory,
    InitiativeFactory,
    MilestoneFactory,
    OutcomeFactory,
    ProgressUpdateFactory,
    UserFactory,
)
from ..helpers import assert_queries_do_not_grow

pytestmark = pytest.mark.django_db

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")


# --- factories (this area's own) -----------------------------------------------------------------


def set_created(obj, when):
    type(obj).objects.filter(pk=obj.pk).update(created_at=when)


def local_noon(day):
    return datetime(day.year, day.month, day.day, 12, tzinfo=CHICAGO)


# --- silent teams ----------------------------------------------------------------------------------


def test_team_is_silent_only_once_its_cadence_has_passed(initiative):
    today = progress_selectors.initiative_today(initiative)
    on_time = ActionTeamFactory(initiative=initiative, update_every_days=30)
    late = ActionTeamFactory(initiative=initiative, update_every_days=30)
    set_created(on_time, local_noon(today - timedelta(days=60)))
    set_created(late, local_noon(today - timedelta(days=60)))
    set_created(ProgressUpdateFactory(team=on_time), local_noon(today - timedelta(days=30)))
    set_created(ProgressUpdateFactory(team=late), local_noon(today - timedelta(days=31)))

    assert progress_selectors.silent_teams(initiative=initiative, today=today) == {late.pk}


def test_team_without_updates_counts_from_its_creation(initiative):
    today = progress_selectors.initiative_today(initiative)
    new = ActionTeamFactory(initiative=initiative, update_every_days=7)
    old = ActionTeamFactory(initiative=initiative, update_every_days=7)
    set_created(new, local_noon(today - timedelta(days=7)))
    set_created(old, local_noon(today - timedelta(days=8)))
    assert progress_selectors.silent_teams(initiative=initiative, today=today) == {old.pk}


def test_latest_update_counts_and_other_initiatives_are_ignored(initiative, other_initiative):
    today = progress_selectors.initiative_today(initiative)
    team = ActionTeamFactory(initiative=initiative, update_every_days=10)
    set_created(team, local_noon(today - timedelta(days=100)))
    set_created(ProgressUpdateFactory(team=team), local_noon(today - timedelta(days=50)))
    set_created(ProgressUpdateFactory(team=team), local_noon(today - timedelta(days=2)))
    elsewhere = ActionTeamFactory(initiative=other_initiative, update_every_days=1)
    set_created(elsewhere, local_noon(today - timedelta(days=100)))
    assert progress_selectors.silent_teams(initiative=initiative, today=today) == set()
    team = progress_selectors.teams_with_last_update(initiative=initiative).get()
    assert progress_selectors.last_update_at(team) == local_noon(today - timedelta(days=2))


def test_silent_teams_is_one_query(initiative, django_assert_num_queries):
    for _ in range(10):
        ProgressUpdateFactory(team=ActionTeamFactory(initiative=initiative))
    with django_assert_num_queries(1):
        progress_selectors.silent_teams(initiative=initiative, today=timezone.localdate())


def test_last_update_at_without_annotation(initiative):
    team = ActionTeamFactory(initiative=initiative)
    assert progress_selectors.last_update_at(team) is None
    update = ProgressUpdateFactory(team=team)
    assert (
        progress_selectors.last_update_at(ActionTeam.objects.get(pk=team.pk)) == update.created_at
    )


# --- progress updates: service ---------------------------------------------------------------------


def test_status_changes_are_applied_and_recorded(initiative, organizer):
    team = ActionTeamFactory(initiative=initiative)
    started = MilestoneFactory(goal__team=team, status=MilestoneStatus.IN_PROGRESS)
    unchanged = MilestoneFactory(goal__team=team)
    update = progress.progress_update_create(
        user=organizer,
        team=team,
        narrative="  The library agreed to host.  ",
        blockers="Funding",
        evidence_links=["https://example.org/minutes"],
        statuses={started.pk: MilestoneStatus.DONE, unchanged.pk: MilestoneStatus.PLANNED},
    )
    started.refresh_from_db()
    assert started.status == MilestoneStatus.DONE
    assert started.completed_on == progress_selectors.initiative_today(initiative)
    assert update.narrative == "The library agreed to host."
    assert update.status_changes == [{"milestone": started.pk, "from": "in_progress", "to": "done"}]
    assert update.evidence_links == ["https://example.org/minutes"]
    entry = ActivityLogEntry.objects.get(action="progress.updated")
    assert entry.target_label == team.name


def test_reopening_a_done_milestone_clears_its_completion_date(initiative, organizer):
    team = ActionTeamFactory(initiative=initiative)
    milestone = MilestoneFactory(
        goal__team=team, status=MilestoneStatus.DONE, completed_on=timezone.localdate()
    )
    progress.progress_update_create(
        user=organizer,
        team=team,
        narrative="Turned out not finished.",
        statuses={milestone.pk: MilestoneStatus.BLOCKED},
    )
    milestone.refresh_from_db()
    assert (milestone.status, milestone.completed_on) == (MilestoneStatus.BLOCKED, None)


def test_milestone_of_another_team_is_refused_and_nothing_changes(initiative, organizer):
    team = ActionTeamFactory(initiative=initiative)
    other = MilestoneFactory(goal__team=ActionTeamFactory(initiative=initiative))
    with pytest.raises(DomainError):
        progress.progress_update_create(
            user=organizer,
            team=team,
            narrative="x",
            statuses={other.pk: MilestoneStatus.DONE},
        )
    other.refresh_from_db()
    assert other.status == MilestoneStatus.PLANNED
    assert not ProgressUpdate.objects.exists()


@pytest.mark.parametrize(
    "text",
    ["not a link", "ftp://example.org/file", "javascript:alert(1)", "https://", "x" * 600],
)
def test_bad_evidence_links_are_refused(text):
    with pytest.raises(DomainError) as error:
        progress.parse_evidence_links("https://example.org/ok\n" + text)
    assert error.value.field == "evidence_links"
    assert "2" in str(error.value) or "long" in str(error.value)


def test_evidence_links_one_per_line_blank_lines_and_duplicates_dropped():
    text = "https://a.example.org/1\n\n  http://b.example.org/2  \nhttps://a.example.org/1\n"
    assert progress.parse_evidence_links(text) == [
        "https://a.example.org/1",
        "http://b.example.org/2",
    ]


def test_empty_narrative_is_refused(initiative, organizer):
    team = ActionTeamFactory(initiative=initiative)
    with pytest.raises(DomainError) as error:
        progress.progress_update_create(user=organizer, team=team, narrative="   ")
    assert error.value.field == "narrative"


# --- progress updates: views -----------------------------------------------------------------------


def updates_url(team):
    return reverse("actions:team_updates", args=[team.initiative.slug, team.pk])


def add_url(team):
    return reverse("actions:team_update_add", args=[team.initiative.slug, team.pk])


def test_update_form_applies_status_changes(client, initiative, organizer):
    team = ActionTeamFactory(initiative=initiative)
    milestone = MilestoneFactory(goal__team=team)
    client.force_login(organizer)
    page = client.get(add_url(team))
    assert page.status_code == 200
    assert milestone.title in page.content.decode()
    response = client.post(
        add_url(team),
        {
            "narrative": "Met the school board.",
            "blockers": "",
            "evidence_links": "https://example.org/a\nhttps://example.org/b",
            f"milestone_{milestone.pk}": "in_progress",
        },
    )
    assert response.status_code == 302
    update = ProgressUpdate.objects.get()
    assert update.evidence_links == ["https://example.org/a", "https://example.org/b"]
    assert update.status_changes == [
        {"milestone": milestone.pk, "from": "planned", "to": "in_progress"}
    ]
    listing = client.get(updates_url(team)).content.decode()
    assert "Met the school board." in listing
    assert "Planned → In progress" in listing


def test_bad_evidence_link_shows_field_error_and_keeps_input(client, initiative, organizer):
    team = ActionTeamFactory(initiative=initiative)
    client.force_login(organizer)
    response = client.post(
        add_url(team), {"narrative": "Kept text", "evidence_links": "www example org"}
    )
    assert response.status_code == 200
    assert "Line 1 is not a web address" in response.content.decode()
    assert "Kept text" in response.content.decode()
    assert not ProgressUpdate.objects.exists()


def test_a_bad_evidence_link_is_shown_with_the_forms_other_errors(client, initiative, organizer):
    team = ActionTeamFactory(initiative=initiative)
    client.force_login(organizer)
    response = client.post(add_url(team), {"narrative": "", "evidence_links": "www example org"})
    errors = response.context["form"].errors
    assert "narrative" in errors
    assert "Line 1 is not a web address" in " ".join(errors["evidence_links"])


def test_bad_status_value_is_a_field_error_not_a_500(client, initiative, organizer):
    team = ActionTeamFactory(initiative=initiative)
    milestone = MilestoneFactory(goal__team=team)
    client.force_login(organizer)
    response = client.post(
        add_url(team), {"narrative": "x", f"milestone_{milestone.pk}": "finished"}
    )
    assert response.status_code == 200
    assert not ProgressUpdate.objects.exists()


def test_teams_own_facilitator_may_post_but_another_facilitator_may_not(
    client, initiative, member_of
):
    own = member_of(initiative, Role.FACILITATOR)
    stranger = member_of(initiative, Role.FACILITATOR)
    team = ActionTeamFactory(initiative=initiative, facilitator=own)
    client.force_login(stranger)
    assert client.get(add_url(team)).status_code == 403
    assert client.post(add_url(team), {"narrative": "x"}).status_code == 403
    assert client.get(updates_url(team)).status_code == 200  # reading is for every role
    client.force_login(own)
    assert client.post(add_url(team), {"narrative": "From the facilitator"}).status_code == 302
    assert ProgressUpdate.objects.get().author == own


def test_update_list_query_count_does_not_grow(client, initiative, organizer):
    team = ActionTeamFactory(initiative=initiative)
    milestones = MilestoneFactory.create_batch(2, goal__team=team)
    ProgressUpdateFactory(
        team=team,
        author=organizer,
        evidence_links=["https://example.org"],
        status_changes=[{"milestone": milestones[0].pk, "from": "planned", "to": "done"}],
    )
    client.force_login(organizer)

    def add_rows():
        for _ in range(10):
            ProgressUpdateFactory(
                team=team,
                author=UserFactory(),
                status_changes=[{"milestone": milestones[1].pk, "from": "planned", "to": "done"}],
            )

    assert_queries_do_not_grow(client, updates_url(team), add_rows, limit=20)


def test_silent_badge_on_update_list(client, initiative, organizer):
    team = ActionTeamFactory(initiative=initiative, update_every_days=5)
    set_created(team, timezone.now() - timedelta(days=20))
    client.force_login(organizer)
    assert "Silent" in client.get(updates_url(team)).content.decode()


# --- outcomes ----------------------------------------------------------------------------------------


def outcome_data(**overrides):
    data = {
        "kind": OutcomeKind.POLICY,
        "level": Level.POLICY,
        "title": "Council adopted a youth advisory board",
        "description": "",
        "happened_on": timezone.localdate() - timedelta(days=1),
        "evidence_url": "https://example.org/minutes",
        "team": None,
        "is_public": True,
    }
    data.update(overrides)
    return data


def test_outcome_create_records_and_logs(initiative, organizer):
    team = ActionTeamFactory(initiative=initiative)
    outcome = progress.outcome_create(
        user=organizer, initiative=initiative, **outcome_data(team=team)
    )
    assert outcome.team == team
    assert ActivityLogEntry.objects.filter(action="outcome.recorded").count() == 1


def test_outcome_in_the_future_is_refused(initiative, organizer):
    tomorrow = progress_selectors.initiative_today(initiative) + timedelta(days=1)
    with pytest.raises(DomainError) as error:
        progress.outcome_create(
            user=organizer, initiative=initiative, **outcome_data(happened_on=tomorrow)
        )
    assert error.value.field == "happened_on"


def test_outcome_with_another_initiatives_team_is_refused(initiative, other_initiative, organizer):
    with pytest.raises(DomainError) as error:
        progress.outcome_create(
            user=organizer,
            initiative=initiative,
            **outcome_data(team=ActionTeamFactory(initiative=other_initiative)),
        )
    assert error.value.field == "team"


@pytest.mark.parametrize(
    ("field", "value"), [("kind", "award"), ("level", "global"), ("title", "   ")]
)
def test_outcome_bad_choices_are_refused(initiative, organizer, field, value):
    with pytest.raises(DomainError) as error:
        progress.outcome_create(
            user=organizer, initiative=initiative, **outcome_data(**{field: value})
        )
    assert error.value.field == field


def test_outcome_form_rejects_future_date_and_bad_url_keeping_input(client, initiative, organizer):
    client.force_login(organizer)
    url = reverse("actions:outcome_add", args=[initiative.slug])
    data = {
        "kind": "training",
        "level": "community",
        "title": "Kept title",
        "happened_on": (timezone.localdate() + timedelta(days=5)).isoformat(),
        "evidence_url": "not a url",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "in the future" in body
    assert "Kept title" in body
    assert not Outcome.objects.exists()
    data["happened_on"] = (timezone.localdate() - timedelta(days=1)).isoformat()
    data["evidence_url"] = "https://example.org/news"
    assert client.post(url, data).status_code == 302
    assert Outcome.objects.get().title == "Kept title"


def test_outcome_edit_and_delete(client, initiative, organizer):
    outcome = OutcomeFactory(initiative=initiative)
    client.force_login(organizer)
    edit = reverse("actions:outcome_edit", args=[initiative.slug, outcome.pk])
    assert client.get(edit).status_code == 200
    response = client.post(
        edit,
        {
            "kind": "hiring",
            "level": "institutional",
            "title": "Hired a liaison",
            "happened_on": outcome.happened_on.isoformat(),
        },
    )
    assert response.status_code == 302
    outcome.refresh_from_db()
    assert (outcome.kind, outcome.title) == ("hiring", "Hired a liaison")
    delete = reverse("actions:outcome_delete", args=[initiative.slug, outcome.pk])
    assert client.get(delete).status_code == 405
    assert client.post(delete).status_code == 302
    assert not Outcome.objects.exists()


def test_outcomes_filter_by_level_and_kind_and_count_by_level(client, initiative, organizer):
    OutcomeFactory(
        initiative=initiative, level=Level.POLICY, kind=OutcomeKind.POLICY, title="Policy one"
    )
    OutcomeFactory(
        initiative=initiative, level=Level.POLICY, kind=OutcomeKind.HIRING, title="Policy two"
    )
    OutcomeFactory(initiative=initiative, level=Level.COMMUNITY, title="Community one")
    OutcomeFactory(initiative=InitiativeFactory(), level=Level.POLICY, title="Elsewhere")
    counts = {
        row["level"]: row["count"]
        for row in progress_selectors.outcomes_by_level(initiative=initiative)
    }
    assert counts == {"individual": 0, "community": 1, "institutional": 0, "policy": 2}
    client.force_login(organizer)
    url = reverse("actions:outcomes", args=[initiative.slug])
    body = client.get(url, {"level": "policy"}).content.decode()
    assert "Policy one" in body
    assert "Policy two" in body
    assert "Community one" not in body
    assert "Elsewhere" not in body
    body = client.get(url, {"level": "policy", "kind": "hiring"}).content.decode()
    assert "Policy two" in body
    assert "Policy one" not in body
    assert client.get(url, {"level": "nonsense"}).status_code == 200


def test_outcome_list_query_count_does_not_grow(client, initiative, organizer):
    OutcomeFactory(initiative=initiative, team=ActionTeamFactory(initiative=initiative))
    client.force_login(organizer)

    def add_rows():
        for _ in range(10):
            OutcomeFactory(initiative=initiative, team=ActionTeamFactory(initiative=initiative))

    assert_queries_do_not_grow(
        client, reverse("actions:outcomes", args=[initiative.slug]), add_rows, limit=15
    )


def test_one_team_check_agrees_with_silent_teams(initiative):
    today = progress_selectors.initiative_today(initiative)
    teams = []
    for age in (4, 5, 6):
        team = ActionTeamFactory(initiative=initiative, update_every_days=5)
        set_created(team, local_noon(today - timedelta(days=age)))
        teams.append(team)
    silent = progress_selectors.silent_teams(initiative=initiative, today=today)
    for team in teams:
        loaded = progress_selectors.team_for_initiative(initiative=initiative, pk=team.pk)
        assert progress_selectors.team_is_silent(loaded, today=today) == (team.pk in silent)
    assert silent == {teams[2].pk}


def test_the_dashboard_and_the_team_page_agree_on_which_teams_are_silent(initiative):
    # 7-day cadence, last heard from 7 days and an hour ago (and around it): both say the same.
    from actions.selectors.results import progress_rows

    now = timezone.now()
    teams = []
    for hours in (6 * 24, 7 * 24 - 1, 7 * 24 + 1, 8 * 24 - 1, 8 * 24 + 1, 9 * 24):
        team = ActionTeamFactory(initiative=initiative, update_every_days=7)
        set_created(team, now - timedelta(hours=hours))
        teams.append(team)
    (row,) = progress_rows([initiative])
    dashboard = {team_row.team.pk: team_row.silent for team_row in row.teams}
    today = progress_selectors.initiative_today(initiative)
    for team in teams:
        loaded = progress_selectors.team_for_initiative(initiative=initiative, pk=team.pk)
        assert dashboard[team.pk] == progress_selectors.team_is_silent(loaded, today=today), team
    assert any(dashboard.values())
    assert not all(dashboard.values())
