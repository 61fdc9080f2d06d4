"""Outreach tracking: referral links, the public join link, outreach activities, and sign-ups
attributed to partner and channel with small counts suppressed."""

import re
from datetime import timedelta

import pytest
from django.urls import get_resolver, reverse
from django.utils import timezone

from dialogue_hub.exceptions import DomainError
from initiatives.models import ActivityLogEntry, Role
from participants.models import Channel, OutreachActivity, ReferralLink, Status
from participants.selectors.outreach import (
    SESSION_KEY,
    attribution,
    link_signup_cells,
    outreach_totals,
    referral_for_session,
    signups_by_channel_table,
    signups_by_partner_table,
)
from participants.services import outreach
from participants.views.outreach import registration_url

from ..factories import (
    CoalitionMembershipFactory,
    InitiativeFactory,
    MembershipFactory,
    OrganizationFactory,
    OutreachActivityFactory,
    ParticipantFactory,
    ReferralLinkFactory,
    UserFactory,
)
from ..helpers import assert_queries_do_not_grow

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner(initiative):
    return CoalitionMembershipFactory(
        initiative=initiative, organization=OrganizationFactory(name="Eastside Church")
    )


def signups(initiative, count, **kwargs):
    return ParticipantFactory.create_batch(count, initiative=initiative, **kwargs)


# --- services -----------------------------------------------------------------------------------


def test_referral_link_create_gives_a_url_safe_unique_code_and_logs(initiative, organizer, partner):
    link = outreach.referral_link_create(
        user=organizer, initiative=initiative, partner=partner, label="Newsletter"
    )
    other = outreach.referral_link_create(user=organizer, initiative=initiative, partner=partner)

    assert re.fullmatch(r"[a-z0-9-]+", link.code)
    assert link.code.startswith("eastside-church-")
    assert len(link.code.removeprefix("eastside-church-")) >= 8
    assert link.code != other.code
    assert link.channel == Channel.PARTNER
    entry = ActivityLogEntry.objects.get(action="referral.created", target_id=str(link.pk))
    assert entry.target_label == "Eastside Church: Newsletter"
    assert entry.actor == organizer


def test_referral_link_for_a_partner_of_another_initiative_is_refused(
    initiative, other_initiative, organizer
):
    foreign = CoalitionMembershipFactory(initiative=other_initiative)

    with pytest.raises(DomainError) as error:
        outreach.referral_link_create(user=organizer, initiative=initiative, partner=foreign)

    assert error.value.field == "partner"
    assert not ReferralLink.objects.exists()


def test_referral_link_with_an_unknown_channel_is_refused(initiative, organizer, partner):
    with pytest.raises(DomainError):
        outreach.referral_link_create(
            user=organizer, initiative=initiative, partner=partner, channel="carrier-pigeon"
        )
    assert not ReferralLink.objects.exists()


def test_referral_link_code_collision_draws_a_new_code(initiative, organizer, partner, monkeypatch):
    taken = ReferralLinkFactory(partner=partner, code="eastside-church-taken")
    codes = iter([taken.code, taken.code, "eastside-church-fresh"])
    monkeypatch.setattr(outreach, "_new_code", lambda partner: next(codes))

    link = outreach.referral_link_create(user=organizer, initiative=initiative, partner=partner)

    assert link.code == "eastside-church-fresh"
    assert ReferralLink.objects.count() == 2


def test_referral_link_code_collisions_without_end_give_a_domain_error(
    initiative, organizer, partner, monkeypatch
):
    taken = ReferralLinkFactory(partner=partner)
    monkeypatch.setattr(outreach, "_new_code", lambda partner: taken.code)

    with pytest.raises(DomainError):
        outreach.referral_link_create(user=organizer, initiative=initiative, partner=partner)
    assert ReferralLink.objects.count() == 1


def test_referral_link_delete_keeps_the_partner_credit(initiative, organizer, partner):
    link = ReferralLinkFactory(partner=partner)
    person = ParticipantFactory(initiative=initiative, referral_link=link, partner=partner)

    outreach.referral_link_delete(user=organizer, link=link)

    person.refresh_from_db()
    assert person.referral_link is None
    assert person.partner == partner
    assert ActivityLogEntry.objects.filter(action="referral.deleted").exists()


def test_outreach_activity_services_validate_partner_and_log(
    initiative, other_initiative, organizer, partner
):
    today = timezone.localdate()
    activity = outreach.outreach_activity_create(
        user=organizer,
        initiative=initiative,
        partner=partner,
        channel=Channel.DOOR_TO_DOOR,
        segment="  Renters on Elm Street ",
        people_reached=60,
        happened_on=today,
    )
    assert activity.segment == "Renters on Elm Street"
    with pytest.raises(DomainError):
        outreach.outreach_activity_create(
            user=organizer,
            initiative=initiative,
            partner=CoalitionMembershipFactory(initiative=other_initiative),
            channel=Channel.FLYER,
            segment="x",
            people_reached=1,
            happened_on=today,
        )
    with pytest.raises(DomainError):
        outreach.outreach_activity_update(
            user=organizer,
            activity=activity,
            data={"partner": CoalitionMembershipFactory(initiative=other_initiative)},
        )

    outreach.outreach_activity_update(
        user=organizer, activity=activity, data={"people_reached": 75, "partner": None}
    )
    activity.refresh_from_db()
    assert (activity.people_reached, activity.partner) == (75, None)
    outreach.outreach_activity_delete(user=organizer, activity=activity)
    assert not OutreachActivity.objects.exists()
    assert list(
        ActivityLogEntry.objects.filter(target_type="participants.outreachactivity")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["outreach.logged", "outreach.updated", "outreach.deleted"]


def test_outreach_totals_per_partner_and_channel(initiative, partner):
    OutreachActivityFactory(initiative=initiative, partner=partner, people_reached=40)
    OutreachActivityFactory(
        initiative=initiative, partner=partner, people_reached=5, channel=Channel.FLYER
    )
    OutreachActivityFactory(initiative=initiative, partner=None, people_reached=3)

    totals = outreach_totals(initiative=initiative)

    assert [(r.label, r.people_reached) for r in totals.by_partner] == [
        ("Eastside Church", 45),
        ("No partner", 3),
    ]
    assert {r.key: r.people_reached for r in totals.by_channel} == {
        Channel.DOOR_TO_DOOR: 43,
        Channel.FLYER: 5,
    }
    assert (totals.activities, totals.people_reached) == (3, 48)


# --- the public join link ------------------------------------------------------------------------


def test_join_link_remembers_the_referral_and_goes_to_registration(client, initiative, partner):
    initiative.is_published = True
    initiative.save()
    link = ReferralLinkFactory(partner=partner)

    response = client.get(reverse("participants:referral_join", args=[link.code]))

    assert response.status_code == 302
    assert response.url == registration_url(initiative)
    assert client.session[SESSION_KEY] == link.code


def test_a_sign_up_through_a_join_link_is_credited_to_the_partner_and_channel(
    client, initiative, partner, django_capture_on_commit_callbacks
):
    from participants.models import Participant

    from ..factories import RegistrationSettingsFactory

    initiative.is_published = True
    initiative.save()
    RegistrationSettingsFactory(initiative=initiative)
    link = ReferralLinkFactory(partner=partner, channel=Channel.FAITH)

    response = client.get(reverse("participants:referral_join", args=[link.code]), follow=True)
    assert response.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("participants:register", args=[initiative.slug]),
            {
                "name": "Ana Torres",
                "email": "ana@example.net",
                "preferred_language": "en",
                "age_band": "25_34",
                "role_category": "resident",
                "neighborhood": "Eastside",
                "availability": ["Tuesday evening"],
                "consent_participation": "on",
            },
        )

    person = Participant.objects.get(initiative=initiative)
    assert (person.referral_link, person.partner) == (link, partner)
    assert person.how_heard == Channel.FAITH  # the link's channel, since the form left it blank


def test_referral_for_session_only_matches_the_links_own_initiative(
    rf, initiative, other_initiative, partner
):
    link = ReferralLinkFactory(partner=partner)
    request = rf.get("/")
    request.session = {SESSION_KEY: link.code}

    assert referral_for_session(request=request, initiative=initiative) == link
    assert referral_for_session(request=request, initiative=other_initiative) is None
    request.session = {SESSION_KEY: "gone"}
    assert referral_for_session(request=request, initiative=initiative) is None
    request.session = {}
    assert referral_for_session(request=request, initiative=initiative) is None


@pytest.mark.parametrize("code", ["no-such-code", "x" * 60, "UPPER-but-unknown"])
def test_unknown_join_code_gives_a_friendly_404(client, code):
    response = client.get(reverse("participants:referral_join", args=[code]))

    assert response.status_code == 404
    assert b"This sign-up link is not valid" in response.content
    assert SESSION_KEY not in client.session


def test_join_link_of_an_unpublished_initiative_says_not_open_yet(client, partner):
    link = ReferralLinkFactory(partner=partner)

    response = client.get(reverse("participants:referral_join", args=[link.code]))

    assert response.status_code == 404
    assert b"not open yet" in response.content
    assert SESSION_KEY not in client.session


# --- the feature's URLs (who may open each: tests/security/test_matrix.py)

# url name -> (method, permission, which object its pk names)
URL_PERMISSIONS = {
    "outreach": ("get", "outreach.view", None),
    "outreach_attribution": ("get", "outreach.view", None),
    "referral_links": ("get", "outreach.view", None),
    "referral_link_add": ("post", "outreach.manage", None),
    "referral_link_delete": ("post", "outreach.manage", "link"),
    "outreach_add": ("post", "outreach.manage", None),
    "outreach_edit": ("post", "outreach.manage", "activity"),
    "outreach_delete": ("post", "outreach.manage", "activity"),
}
PUBLIC_NAMES = {"referral_join"}


def test_every_outreach_url_has_an_entry():
    from participants.urls import outreach as outreach_urls

    names = {pattern.name for pattern in outreach_urls.urlpatterns}
    assert names == set(URL_PERMISSIONS) | PUBLIC_NAMES
    # Every name the app's URL conf can reverse (routes grouped under a prefix included).
    assert names <= set(get_resolver("participants.urls").reverse_dict)


def post_data(url_name, partner):
    today = (timezone.localdate() - timedelta(days=1)).isoformat()
    return {
        "referral_link_add": {"partner": partner.pk, "channel": "partner", "label": "New"},
        "outreach_add": {
            "partner": partner.pk,
            "channel": "flyer",
            "segment": "Youth",
            "people_reached": "12",
            "happened_on": today,
        },
        "outreach_edit": {
            "channel": "event",
            "segment": "Changed",
            "people_reached": "99",
            "happened_on": today,
        },
    }.get(url_name, {})


def snapshot(initiative):
    return (
        sorted(
            ReferralLink.objects.filter(initiative=initiative).values_list(
                "code", "label", "channel"
            )
        ),
        sorted(
            OutreachActivity.objects.filter(initiative=initiative).values_list(
                "segment", "people_reached", "channel", "partner_id"
            )
        ),
    )


@pytest.mark.parametrize("url_name", sorted(URL_PERMISSIONS))
def test_someone_outside_the_initiative_gets_404(client, initiative, partner, url_name):
    method, _permission, target = URL_PERMISSIONS[url_name]
    objects = {
        "link": ReferralLinkFactory(partner=partner),
        "activity": OutreachActivityFactory(initiative=initiative, partner=partner),
    }
    other = InitiativeFactory()
    client.force_login(MembershipFactory(initiative=other, role=Role.ORGANIZER).user)
    args = [initiative.slug] + ([objects[target].pk] if target else [])
    before = snapshot(initiative)

    response = getattr(client, method)(
        reverse(f"participants:{url_name}", args=args), post_data(url_name, partner)
    )

    assert response.status_code == 404
    assert snapshot(initiative) == before


def test_objects_of_another_initiative_answer_404(client, initiative, other_initiative, organizer):
    foreign_link = ReferralLinkFactory(
        partner=CoalitionMembershipFactory(initiative=other_initiative)
    )
    foreign_activity = OutreachActivityFactory(initiative=other_initiative)
    client.force_login(organizer)

    for name, pk in [
        ("referral_link_delete", foreign_link.pk),
        ("outreach_delete", foreign_activity.pk),
        ("outreach_edit", foreign_activity.pk),
    ]:
        response = client.post(reverse(f"participants:{name}", args=[initiative.slug, pk]))
        assert response.status_code == 404, name
    assert ReferralLink.objects.filter(pk=foreign_link.pk).exists()
    assert OutreachActivity.objects.filter(pk=foreign_activity.pk).exists()


def test_get_on_a_delete_url_changes_nothing(organizer_client, initiative, partner):
    link = ReferralLinkFactory(partner=partner)

    response = organizer_client.get(
        reverse("participants:referral_link_delete", args=[initiative.slug, link.pk])
    )

    assert response.status_code == 405
    assert ReferralLink.objects.filter(pk=link.pk).exists()


# --- pages ---------------------------------------------------------------------------------------


def test_coalition_lead_sees_the_outreach_tab_and_a_police_liaison_does_not(
    client, initiative, member_of
):
    client.force_login(member_of(initiative, Role.COALITION_LEAD))
    tab = reverse("participants:outreach", args=[initiative.slug]).encode()
    assert tab in client.get(reverse("initiatives:detail", args=[initiative.slug])).content

    client.force_login(member_of(initiative, Role.POLICE_LIAISON))
    assert tab not in client.get(reverse("initiatives:detail", args=[initiative.slug])).content


def test_link_list_shows_the_full_url_to_copy(organizer_client, initiative, partner):
    link = ReferralLinkFactory(partner=partner, label="Spring flyer")

    response = organizer_client.get(reverse("participants:referral_links", args=[initiative.slug]))

    assert f"http://testserver/join/{link.code}/" in response.content.decode()
    assert "Spring flyer" in response.content.decode()


def test_empty_pages_say_what_to_do_next(organizer_client, initiative):
    slug = initiative.slug
    links = organizer_client.get(reverse("participants:referral_links", args=[slug]))
    assert b"Add the organizations in your coalition first" in links.content
    activities = organizer_client.get(reverse("participants:outreach", args=[slug]))
    assert b"No outreach logged yet." in activities.content
    attribution = organizer_client.get(reverse("participants:outreach_attribution", args=[slug]))
    assert b"No sign-ups yet." in attribution.content


def test_activity_list_is_newest_first_and_paginated(organizer_client, initiative):
    today = timezone.localdate()
    for days in range(30):
        OutreachActivityFactory(
            initiative=initiative,
            segment=f"segment-{days:02d}",
            happened_on=today - timedelta(days),
        )
    url = reverse("participants:outreach", args=[initiative.slug])

    first = organizer_client.get(url).content.decode()
    second = organizer_client.get(url + "?page=2").content.decode()

    assert first.index("segment-00") < first.index("segment-01")
    assert "segment-24" in first
    assert "segment-25" not in first
    assert "segment-29" in second
    assert "1200 people reached in 30 activities" in first


def test_bad_outreach_input_gives_field_errors_and_keeps_what_was_typed(
    organizer_client, initiative, other_initiative
):
    foreign = CoalitionMembershipFactory(initiative=other_initiative)
    tomorrow = (timezone.localdate() + timedelta(days=2)).isoformat()

    response = organizer_client.post(
        reverse("participants:outreach_add", args=[initiative.slug]),
        {
            "partner": foreign.pk,
            "channel": "carrier-pigeon",
            "segment": "   ",
            "people_reached": "-4",
            "happened_on": tomorrow,
            "notes": "typed notes stay",
        },
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"partner", "channel", "segment", "people_reached", "happened_on"}
    assert b"typed notes stay" in response.content
    assert not OutreachActivity.objects.exists()


@pytest.mark.parametrize(
    "value", ["abc", "99999999999999999999", "1e9", "", "3.5", "\x00"], ids=repr
)
def test_nonsense_people_reached_is_a_field_error_not_a_500(organizer_client, initiative, value):
    response = organizer_client.post(
        reverse("participants:outreach_add", args=[initiative.slug]),
        {
            "channel": "flyer",
            "segment": "Youth",
            "people_reached": value,
            "happened_on": "2020-02-30",
        },
    )

    assert response.status_code == 200
    assert {"people_reached", "happened_on"} <= set(response.context["form"].errors)


def test_bad_referral_link_input_gives_field_errors(
    organizer_client, initiative, other_initiative, partner
):
    foreign = CoalitionMembershipFactory(initiative=other_initiative)

    response = organizer_client.post(
        reverse("participants:referral_link_add", args=[initiative.slug]),
        {"partner": foreign.pk, "channel": "nope", "label": "x" * 200},
    )

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"partner", "channel", "label"}
    assert not ReferralLink.objects.exists()


def test_editing_an_activity_saves_the_change(organizer_client, initiative, partner):
    activity = OutreachActivityFactory(initiative=initiative, partner=partner)
    url = reverse("participants:outreach_edit", args=[initiative.slug, activity.pk])
    assert organizer_client.get(url).status_code == 200

    response = organizer_client.post(
        url,
        {
            "partner": "",
            "channel": "event",
            "segment": "Block party",
            "people_reached": "150",
            "happened_on": activity.happened_on.isoformat(),
        },
    )

    assert response.status_code == 302
    activity.refresh_from_db()
    assert (activity.partner, activity.segment, activity.people_reached) == (
        None,
        "Block party",
        150,
    )


# --- query counts --------------------------------------------------------------------------------


def test_link_list_queries_do_not_grow(organizer_client, initiative):
    def add(n):
        for _ in range(n):
            link = ReferralLinkFactory(partner=CoalitionMembershipFactory(initiative=initiative))
            signups(initiative, 2, referral_link=link, partner=link.partner)

    add(2)
    assert_queries_do_not_grow(
        organizer_client,
        reverse("participants:referral_links", args=[initiative.slug]),
        lambda: add(20),
        limit=10,
    )


def test_activity_list_queries_do_not_grow(organizer_client, initiative):
    def add(n):
        for _ in range(n):
            OutreachActivityFactory(
                initiative=initiative, partner=CoalitionMembershipFactory(initiative=initiative)
            )

    add(3)
    assert_queries_do_not_grow(
        organizer_client,
        reverse("participants:outreach", args=[initiative.slug]),
        lambda: add(30),
        limit=10,
    )


def test_attribution_queries_do_not_grow(organizer_client, initiative):
    def add(n):
        for index in range(n):
            member = CoalitionMembershipFactory(initiative=initiative)
            link = ReferralLinkFactory(partner=member)
            OutreachActivityFactory(initiative=initiative, partner=member)
            signups(
                initiative,
                3,
                partner=member,
                referral_link=link,
                how_heard=Channel.values[index % len(Channel.values)],
            )

    add(2)
    assert_queries_do_not_grow(
        organizer_client,
        reverse("participants:outreach_attribution", args=[initiative.slug]),
        lambda: add(20),
        limit=10,
    )


# --- suppression ---------------------------------------------------------------------------------

SMALL_NUMBER = re.compile(r"(?<![\d.,:/-])[1-9](?![\d.,:/-])")


@pytest.fixture
def attribution_data(initiative):
    """Partners with 25, 4 and 12 sign-ups, 30 without a partner; channels 20/3/… ."""
    big = CoalitionMembershipFactory(
        initiative=initiative, organization=OrganizationFactory(name="A Big Partner")
    )
    small = CoalitionMembershipFactory(
        initiative=initiative, organization=OrganizationFactory(name="B Small Partner")
    )
    middle = CoalitionMembershipFactory(
        initiative=initiative, organization=OrganizationFactory(name="C Middle Partner")
    )
    big_link = ReferralLinkFactory(partner=big, label="big-newsletter")
    big_small_link = ReferralLinkFactory(partner=big, label="big-tiny-flyer")
    small_link = ReferralLinkFactory(partner=small, label="small-link")
    signups(initiative, 20, partner=big, referral_link=big_link, how_heard=Channel.PARTNER)
    signups(initiative, 3, partner=big, referral_link=big_small_link, how_heard=Channel.PARTNER)
    signups(initiative, 2, partner=big, how_heard=Channel.FLYER)
    signups(initiative, 4, partner=small, referral_link=small_link, how_heard=Channel.PARTNER)
    signups(initiative, 12, partner=middle, how_heard=Channel.EVENT)
    signups(initiative, 30, how_heard="")
    signups(initiative, 5, partner=big, status=Status.WITHDRAWN)  # not counted
    OutreachActivityFactory(initiative=initiative, partner=big, people_reached=200)
    OutreachActivityFactory(initiative=initiative, partner=small, people_reached=50)
    return {"big": big, "small": small, "middle": middle, "links": [big_link, big_small_link]}


def test_attribution_tables_are_additive_and_suppressed(initiative, attribution_data):
    result = attribution(initiative=initiative)

    partners = {row.label: row.signups for row in result.by_partner}
    assert {label: cell.count for label, cell in partners.items()} == {
        "A Big Partner": 25,
        "B Small Partner": 4,
        "C Middle Partner": 12,
        "No partner": 30,
    }
    # 4 is hidden, and so is the smallest other cell (12), so 71 − 25 − 30 gives nothing away.
    assert {label: cell.value for label, cell in partners.items()} == {
        "A Big Partner": 25,
        "B Small Partner": None,
        "C Middle Partner": None,
        "No partner": 30,
    }
    assert result.total == 71
    channels = {row.key: row.signups for row in result.by_channel}
    assert sum(cell.count for cell in channels.values()) == 71
    assert channels[Channel.FLYER].value is None  # 2
    assert sum(1 for cell in channels.values() if cell.suppressed) >= 2
    rows = {row.label: row for row in result.by_partner}
    assert rows["A Big Partner"].conversion == 12.5
    assert rows["B Small Partner"].people_reached == 50
    assert rows["B Small Partner"].conversion is None  # never from a hidden count
    assert rows["No partner"].conversion is None


def test_link_counts_are_suppressed_within_their_partner(initiative, attribution_data):
    cells = link_signup_cells(initiative=initiative)
    big_link, big_small_link = attribution_data["links"]

    # Partner A shows 25 = 20 (newsletter) + 3 (tiny flyer) + 2 (no link). Hiding only 3 and 2
    # would still give away that 5 people came through those two, so 20 is hidden as well.
    # The B partner's total is hidden, so its link is hidden too.
    assert cells[big_link.pk].suppressed
    assert cells[big_small_link.pk].suppressed
    small_link = ReferralLink.objects.get(label="small-link")
    assert cells[small_link.pk].suppressed


def test_a_lone_small_link_takes_a_complement_with_it(initiative):
    partner = CoalitionMembershipFactory(initiative=initiative)
    one, two = ReferralLinkFactory(partner=partner), ReferralLinkFactory(partner=partner)
    signups(initiative, 4, partner=partner, referral_link=one)
    signups(initiative, 15, partner=partner, referral_link=two)
    signups(initiative, 20, partner=partner)

    cells = link_signup_cells(initiative=initiative)

    # 39 shown for the partner; hiding only the 4 would leave 39 − 15 − 20.
    assert cells[one.pk].suppressed
    assert cells[two.pk].suppressed


@pytest.mark.parametrize("role", [Role.ORGANIZER, Role.COALITION_LEAD])
def test_attribution_page_shows_no_count_from_1_to_9(client, initiative, attribution_data, role):
    user = UserFactory()
    MembershipFactory(user=user, initiative=initiative, role=role)
    client.force_login(user)

    html = client.get(reverse("participants:outreach_attribution", args=[initiative.slug])).content
    html = html.decode()

    # Only the sign-up columns hold people counts; "people reached" and conversion are effort.
    rows = re.findall(r"<tr>\s*<th scope=\"row\"[^>]*>(.*?)</th>\s*<td[^>]*>(.*?)</td>", html, re.S)
    assert rows
    for label, signup_cell in rows:
        text = re.sub(r"<[^>]+>", "", signup_cell).strip()
        assert not SMALL_NUMBER.fullmatch(text), (label, text)
    shown = {label.strip(): re.sub(r"<[^>]+>", "", cell).strip() for label, cell in rows}
    assert shown["A Big Partner"] == "25"
    assert shown["B Small Partner"] == "hidden"
    assert shown["C Middle Partner"] == "hidden"  # the complement: 71 − 25 − 30 ≠ recoverable
    assert "71 people signed up" in html


def test_link_list_shows_no_count_from_1_to_9(organizer_client, initiative, attribution_data):
    html = organizer_client.get(
        reverse("participants:referral_links", args=[initiative.slug])
    ).content.decode()

    counts = re.findall(r"\b(\d+) sign-ups?\b", html)
    assert all(int(count) == 0 or int(count) >= 10 for count in counts)
    assert html.count("sign-ups hidden for privacy") == 3


def test_a_tiny_initiative_hides_its_total(organizer_client, initiative, partner):
    signups(initiative, 3, partner=partner)

    html = organizer_client.get(
        reverse("participants:outreach_attribution", args=[initiative.slug])
    ).content.decode()

    assert "Fewer than 10 people have signed up so far." in html
    assert not re.search(r"\b3 people", html)


@pytest.mark.parametrize(
    "sizes",
    [(25, 4, 12, 30), (3, 0, 0, 0), (11, 9, 0, 10), (15, 15, 1, 0), (40, 2, 3, 12)],
    ids=str,
)
def test_no_hidden_cell_stands_alone_next_to_a_shown_total(initiative, sizes):
    """In every table, the hidden non-zero cells are none, or two or more, or the total is hidden."""
    members = [CoalitionMembershipFactory(initiative=initiative) for _ in sizes[:-1]]
    for member, size in zip(members, sizes, strict=False):
        link = ReferralLinkFactory(partner=member)
        signups(initiative, size - size // 3, partner=member, referral_link=link)
        signups(initiative, size // 3, partner=member, how_heard=Channel.FLYER)
    signups(initiative, sizes[-1], how_heard=Channel.EVENT)

    tables = [
        signups_by_partner_table(initiative=initiative),
        signups_by_channel_table(initiative=initiative),
    ]
    for table in tables:
        hidden = [cell for cell in table.cells if cell.suppressed and cell.count]
        assert table.total_suppressed or len(hidden) != 1
        assert all(not (0 < cell.count < 10) or cell.suppressed for cell in table.cells)
    partner_cells = {cell.key: cell for cell in tables[0].cells}
    link_cells = link_signup_cells(initiative=initiative)
    for member in members:
        links = [
            cell
            for cell in link_cells.values()
            if cell.key in set(member.referral_links.values_list("pk", flat=True))
        ]
        assert all(not (0 < cell.count < 10) or cell.suppressed for cell in links)
        if partner_cells[member.pk].suppressed:
            assert all(cell.suppressed for cell in links if cell.count)
        else:
            # The partner's rest ("not through a link") is the one other cell of its table.
            rest = partner_cells[member.pk].count - sum(cell.count for cell in links)
            hidden = sum(1 for cell in links if cell.suppressed and cell.count)
            rest_hidden = 0 < rest < 10 or (hidden == 1 and rest > 0)
            assert hidden + rest_hidden != 1
