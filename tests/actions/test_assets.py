"""Community assets (privacy of participants' offers, goal links) and 404 across initiatives for
every page of progress updates, outcomes and assets."""

import pytest
from django.urls import reverse

from actions.models import AssetKind, CommunityAsset, Outcome, ProgressUpdate
from actions.services import progress as assets
from actions.urls import progress as progress_urls
from dialogue_hub.exceptions import DomainError
from initiatives.models import ActivityLogEntry, Role

from ..factories import (
    ActionTeamFactory,
    CoalitionMembershipFactory,
    CommunityAssetFactory,
    GoalFactory,
    InitiativeFactory,
    MembershipFactory,
    OutcomeFactory,
    ParticipantFactory,
)
from ..helpers import assert_queries_do_not_grow

pytestmark = pytest.mark.django_db

OFFERER_NAME = "Rosalind Quackenbush"


# --- services ----------------------------------------------------------------------------------------


def test_asset_from_partner_is_created_and_logged(initiative, organizer):
    partner = CoalitionMembershipFactory(initiative=initiative)
    asset = assets.asset_create(
        user=organizer,
        initiative=initiative,
        kind=AssetKind.PROGRAM,
        name="  Youth mentoring  ",
        partner=partner,
    )
    assert (asset.name, asset.partner) == ("Youth mentoring", partner)
    assert ActivityLogEntry.objects.get(action="asset.added").target_label == "Youth mentoring"


def test_asset_refuses_partner_or_participant_of_another_initiative(
    initiative, other_initiative, organizer
):
    with pytest.raises(DomainError) as error:
        assets.asset_create(
            user=organizer,
            initiative=initiative,
            kind=AssetKind.FUND,
            name="Fund",
            partner=CoalitionMembershipFactory(initiative=other_initiative),
        )
    assert error.value.field == "partner"
    with pytest.raises(DomainError) as error:
        assets.asset_create(
            user=organizer,
            initiative=initiative,
            kind=AssetKind.SKILL,
            name="Skill",
            offered_by=ParticipantFactory(initiative=other_initiative),
        )
    assert error.value.field == "offered_by"


def test_asset_refuses_both_partner_and_participant_and_bad_kind(initiative, organizer):
    with pytest.raises(DomainError):
        assets.asset_create(
            user=organizer,
            initiative=initiative,
            kind=AssetKind.SKILL,
            name="Both",
            partner=CoalitionMembershipFactory(initiative=initiative),
            offered_by=ParticipantFactory(initiative=initiative),
        )
    with pytest.raises(DomainError) as error:
        assets.asset_create(user=organizer, initiative=initiative, kind="gold", name="x")
    assert error.value.field == "kind"


def test_goals_of_another_initiative_cannot_be_linked(initiative, other_initiative, organizer):
    asset = CommunityAssetFactory(initiative=initiative)
    mine = GoalFactory(team__initiative=initiative)
    assets.asset_set_goals(user=organizer, asset=asset, goals=[mine])
    assert list(asset.goals.all()) == [mine]
    with pytest.raises(DomainError):
        assets.asset_set_goals(
            user=organizer, asset=asset, goals=[GoalFactory(team__initiative=other_initiative)]
        )
    assert list(asset.goals.all()) == [mine]


# --- privacy -----------------------------------------------------------------------------------------


@pytest.fixture
def offered_asset(initiative):
    participant = ParticipantFactory(
        initiative=initiative, name=OFFERER_NAME, offers="I can translate Spanish"
    )
    return CommunityAssetFactory(
        initiative=initiative, kind=AssetKind.SKILL, name="Translation", offered_by=participant
    )


@pytest.mark.parametrize(
    "role", [Role.POLICE_LIAISON, Role.OBSERVER, Role.COALITION_LEAD, Role.FACILITATOR]
)
def test_roles_without_the_roster_never_see_who_offered_an_asset(
    client, initiative, member_of, offered_asset, role
):
    client.force_login(member_of(initiative, role))
    for url in (
        reverse("actions:assets", args=[initiative.slug]),
        reverse("actions:asset_detail", args=[initiative.slug, offered_asset.pk]),
    ):
        body = client.get(url).content.decode()
        assert "Translation" in body
        assert OFFERER_NAME not in body
        assert "A participant" in body


@pytest.mark.parametrize("role", [Role.ORGANIZER, Role.DATA_STEWARD])
def test_roster_roles_see_who_offered_an_asset(client, initiative, member_of, offered_asset, role):
    client.force_login(member_of(initiative, role))
    body = client.get(reverse("actions:assets", args=[initiative.slug])).content.decode()
    assert OFFERER_NAME in body


def test_coalition_lead_edits_an_asset_without_seeing_or_losing_its_participant(
    client, initiative, member_of, offered_asset
):
    client.force_login(member_of(initiative, Role.COALITION_LEAD))
    url = reverse("actions:asset_edit", args=[initiative.slug, offered_asset.pk])
    page = client.get(url).content.decode()
    assert OFFERER_NAME not in page
    assert 'name="offered_by"' not in page
    response = client.post(url, {"kind": "skill", "name": "Interpreting", "description": ""})
    assert response.status_code == 302
    offered_asset.refresh_from_db()
    assert offered_asset.name == "Interpreting"
    assert offered_asset.offered_by.name == OFFERER_NAME


def test_offers_page_lists_answers_and_turns_one_into_an_asset(client, initiative, organizer):
    participant = ParticipantFactory(
        initiative=initiative, name=OFFERER_NAME, offers="Our church hall on Tuesdays"
    )
    ParticipantFactory(initiative=initiative, name="No Offer Person", offers="")
    client.force_login(organizer)
    body = client.get(reverse("actions:asset_offers", args=[initiative.slug])).content.decode()
    assert OFFERER_NAME in body
    assert "Our church hall on Tuesdays" in body
    assert "No Offer Person" not in body
    url = reverse("actions:asset_from_offer", args=[initiative.slug, participant.pk])
    page = client.get(url).content.decode()
    assert "Our church hall on Tuesdays" in page
    response = client.post(
        url,
        {
            "kind": "place",
            "name": "Church hall",
            "description": "Tuesdays",
            "offered_by": participant.pk,
        },
    )
    assert response.status_code == 302
    asset = CommunityAsset.objects.get()
    assert asset.offered_by == participant
    entry = ActivityLogEntry.objects.get(action="asset.added")
    assert OFFERER_NAME not in entry.target_label
    assert (
        "In the inventory"
        in client.get(reverse("actions:asset_offers", args=[initiative.slug])).content.decode()
    )


def test_offer_of_another_initiative_is_404(client, initiative, other_initiative, organizer):
    elsewhere = ParticipantFactory(initiative=other_initiative, offers="Time")
    client.force_login(organizer)
    url = reverse("actions:asset_from_offer", args=[initiative.slug, elsewhere.pk])
    assert client.get(url).status_code == 404


def test_link_asset_to_goals_from_the_asset_page(client, initiative, organizer):
    asset = CommunityAssetFactory(initiative=initiative)
    goal = GoalFactory(team__initiative=initiative, title="Open a youth center")
    foreign = GoalFactory(team__initiative=InitiativeFactory())
    client.force_login(organizer)
    detail = reverse("actions:asset_detail", args=[initiative.slug, asset.pk])
    assert "Open a youth center" in client.get(detail).content.decode()
    url = reverse("actions:asset_goals", args=[initiative.slug, asset.pk])
    assert client.post(url, {"goals": [foreign.pk]}).status_code == 200  # invalid choice
    assert not asset.goals.exists()
    assert client.post(url, {"goals": [goal.pk]}).status_code == 302
    assert list(asset.goals.all()) == [goal]


def test_asset_form_bad_input_is_a_field_error(client, initiative, organizer):
    client.force_login(organizer)
    url = reverse("actions:asset_add", args=[initiative.slug])
    response = client.post(url, {"kind": "gold", "name": "Kept name"})
    assert response.status_code == 200
    assert "Kept name" in response.content.decode()
    assert not CommunityAsset.objects.exists()


# --- query counts ------------------------------------------------------------------------------------


def test_asset_list_query_count_does_not_grow(client, initiative, organizer):
    def one():
        asset = CommunityAssetFactory(
            initiative=initiative,
            partner=CoalitionMembershipFactory(initiative=initiative),
        )
        CommunityAssetFactory(
            initiative=initiative, offered_by=ParticipantFactory(initiative=initiative)
        )
        asset.goals.add(GoalFactory(team__initiative=initiative))

    one()
    client.force_login(organizer)

    def add_rows():
        for _ in range(10):
            one()

    assert_queries_do_not_grow(
        client, reverse("actions:assets", args=[initiative.slug]), add_rows, limit=15
    )


def test_asset_detail_and_offers_query_counts_do_not_grow(client, initiative, organizer):
    asset = CommunityAssetFactory(initiative=initiative)
    asset.goals.add(GoalFactory(team__initiative=initiative))
    ParticipantFactory(initiative=initiative, offers="Time")
    client.force_login(organizer)

    def add_rows():
        for _ in range(10):
            goal = GoalFactory(team__initiative=initiative)
            asset.goals.add(goal)
            GoalFactory(team=goal.team)
            ParticipantFactory(initiative=initiative, offers="Space")

    detail = reverse("actions:asset_detail", args=[initiative.slug, asset.pk])
    offers = reverse("actions:asset_offers", args=[initiative.slug])
    assert_queries_do_not_grow(client, detail, add_rows, limit=15)
    assert_queries_do_not_grow(client, offers, add_rows, limit=15)


# --- the feature's URLs (who may open each: tests/security/test_matrix.py)

# url name -> (method, permissions needed (all of them), which object its pk names)
URL_PERMISSIONS = {
    "team_updates": ("get", ["initiative.view"], "team"),
    "team_update_add": ("get", ["progress.update"], "team"),
    "outcomes": ("get", ["initiative.view"], None),
    "outcome_add": ("get", ["teams.manage"], None),
    "outcome_edit": ("get", ["teams.manage"], "outcome"),
    "outcome_delete": ("post", ["teams.manage"], "outcome"),
    "assets": ("get", ["initiative.view"], None),
    "asset_add": ("get", ["assets.manage"], None),
    "asset_detail": ("get", ["initiative.view"], "asset"),
    "asset_edit": ("get", ["assets.manage"], "asset"),
    "asset_delete": ("post", ["assets.manage"], "asset"),
    "asset_goals": ("post", ["assets.manage"], "asset"),
    "asset_offers": ("get", ["participants.view"], None),
    "asset_from_offer": ("get", ["assets.manage", "participants.view"], "offer"),
}


def test_every_progress_url_has_an_entry():
    assert {p.name for p in progress_urls.urlpatterns} == set(URL_PERMISSIONS)


def make_objects(initiative):
    return {
        "team": ActionTeamFactory(initiative=initiative),
        "outcome": OutcomeFactory(initiative=initiative),
        "asset": CommunityAssetFactory(initiative=initiative),
        "offer": ParticipantFactory(initiative=initiative, offers="Two hours a week"),
    }


def url_for(initiative, name, objects):
    target = URL_PERMISSIONS[name][2]
    args = [initiative.slug] + ([objects[target].pk] if target else [])
    return reverse(f"actions:{name}", args=args)


def snapshot():
    return (
        ProgressUpdate.objects.count(),
        sorted(Outcome.objects.values_list("pk", "title")),
        sorted(CommunityAsset.objects.values_list("pk", "name")),
        sorted(CommunityAsset.goals.through.objects.values_list("pk", flat=True)),
    )


@pytest.mark.parametrize("url_name", sorted(URL_PERMISSIONS))
def test_member_of_another_initiative_gets_404(client, initiative, other_initiative, url_name):
    method = URL_PERMISSIONS[url_name][0]
    objects = make_objects(initiative)
    outsider = MembershipFactory(initiative=other_initiative, role=Role.ORGANIZER).user
    client.force_login(outsider)
    before = snapshot()
    assert getattr(client, method)(url_for(initiative, url_name, objects)).status_code == 404
    # An object of this initiative under the outsider's own initiative's slug is 404 too.
    if URL_PERMISSIONS[url_name][2]:
        url = url_for(other_initiative, url_name, objects)
        assert getattr(client, method)(url).status_code == 404
    assert snapshot() == before
