"""The action forum: ballots, dot-voting through the manage link, paper votes entered by
staff, results with small-count suppression, who may open which page, and query counts."""

import datetime
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from actions.models import (
    Ballot,
    BallotDot,
    BallotItem,
    BallotKind,
    BallotResponse,
    VoteChannel,
)
from actions.selectors import forum as forum_selectors
from actions.services import forum
from dialogue_hub.exceptions import DomainError
from initiatives.models import ActivityLogEntry, Role
from initiatives.permissions import PERMISSIONS
from participants.models import Status
from participants.services.registration import MANAGE_SALT, make_token

from ..factories import (
    BallotFactory,
    IdeaFactory,
    InitiativeFactory,
    MembershipFactory,
    ParticipantFactory,
    ThemeFactory,
)
from ..helpers import assert_queries_do_not_grow

pytestmark = pytest.mark.django_db


# --- factories (local to the forum tests) ------------------------------------------------------


def open_ballot(initiative, n_items=3, **kwargs):
    ballot = BallotFactory(initiative=initiative, **kwargs)
    for position in range(n_items):
        BallotItem.objects.create(
            ballot=ballot, idea=IdeaFactory(initiative=initiative), position=position
        )
    return ballot


def items_of(ballot):
    return list(BallotItem.objects.filter(ballot=ballot).order_by("position"))


def add_response(ballot, participant, dots, channel=VoteChannel.ONLINE):
    response = BallotResponse.objects.create(
        ballot=ballot, participant=participant, channel=channel
    )
    BallotDot.objects.bulk_create(
        [BallotDot(response=response, item=item, dots=n) for item, n in dots.items() if n]
    )
    return response


def token_url(participant):
    return reverse(
        "actions:participant_forum", kwargs={"token": make_token(participant, MANAGE_SALT)}
    )


def vote_post(ballot, dots):
    data = {"ballot": str(ballot.pk)}
    for item, n in dots.items():
        data[f"item_{item.pk}"] = str(n)
    return data


# --- ballots -----------------------------------------------------------------------------------


def test_ballot_create_with_ideas_keeps_order_and_logs(initiative, organizer):
    ideas = [IdeaFactory(initiative=initiative) for _ in range(3)]
    opens = timezone.now() + timedelta(days=1)
    ballot = forum.ballot_create(
        user=organizer,
        initiative=initiative,
        title="  Which ideas first? ",
        kind=BallotKind.IDEAS,
        opens_at=opens,
        closes_at=opens + timedelta(hours=3),
        dots_per_person=3,
        item_ids=[ideas[2].pk, ideas[0].pk],
    )
    assert ballot.title == "Which ideas first?"
    assert [item.idea_id for item in items_of(ballot)] == [ideas[2].pk, ideas[0].pk]
    assert forum_selectors.ballot_status(ballot) == forum_selectors.BallotStatus.UPCOMING
    assert ActivityLogEntry.objects.filter(action="ballot.created", initiative=initiative).exists()


def test_ballot_refuses_merged_ideas_foreign_items_and_bad_window(initiative, organizer):
    kept = IdeaFactory(initiative=initiative)
    merged = IdeaFactory(initiative=initiative, merged_into=kept)
    foreign = IdeaFactory()
    opens = timezone.now() + timedelta(days=1)
    base = {
        "user": organizer,
        "initiative": initiative,
        "title": "Forum",
        "kind": BallotKind.IDEAS,
        "opens_at": opens,
        "closes_at": opens + timedelta(hours=2),
    }
    with pytest.raises(DomainError) as error:
        forum.ballot_create(**base, item_ids=[kept.pk, merged.pk])
    assert error.value.field == "items"
    with pytest.raises(DomainError):
        forum.ballot_create(**base, item_ids=[kept.pk, foreign.pk])
    with pytest.raises(DomainError) as error:
        forum.ballot_create(**{**base, "closes_at": opens}, item_ids=[kept.pk])
    assert error.value.field == "closes_at"
    with pytest.raises(DomainError) as error:
        forum.ballot_create(**base, dots_per_person=11, item_ids=[kept.pk, kept.pk])
    assert error.value.field == "dots_per_person"
    assert not Ballot.objects.exists()


def test_ballot_on_themes_and_edit_only_before_it_opens(initiative, organizer):
    themes = [ThemeFactory(initiative=initiative) for _ in range(3)]
    opens = timezone.now() + timedelta(days=1)
    ballot = forum.ballot_create(
        user=organizer,
        initiative=initiative,
        title="Themes",
        kind=BallotKind.THEMES,
        opens_at=opens,
        closes_at=opens + timedelta(hours=2),
        item_ids=[t.pk for t in themes],
    )
    forum.ballot_update(
        user=organizer,
        ballot=ballot,
        title="Themes (edited)",
        kind=BallotKind.THEMES,
        opens_at=opens,
        closes_at=opens + timedelta(hours=4),
        dots_per_person=5,
        item_ids=[themes[0].pk, themes[1].pk],
    )
    ballot.refresh_from_db()
    assert (ballot.title, ballot.dots_per_person) == ("Themes (edited)", 5)
    assert [item.theme_id for item in items_of(ballot)] == [themes[0].pk, themes[1].pk]
    # Saved again with its items in another order: the same rows, in the new order.
    kept = {item.theme_id: item.pk for item in items_of(ballot)}
    forum.ballot_update(
        user=organizer,
        ballot=ballot,
        title="Themes (edited)",
        kind=BallotKind.THEMES,
        opens_at=opens,
        closes_at=opens + timedelta(hours=4),
        dots_per_person=5,
        item_ids=[themes[1].pk, themes[0].pk, themes[2].pk],
    )
    assert [(item.theme_id, item.position) for item in items_of(ballot)] == [
        (themes[1].pk, 0),
        (themes[0].pk, 1),
        (themes[2].pk, 2),
    ]
    assert {item.theme_id: item.pk for item in items_of(ballot)[:2]} == kept
    with pytest.raises(DomainError, match="Voting has started"):
        forum.ballot_update(
            user=organizer,
            ballot=ballot,
            title="Too late",
            kind=BallotKind.THEMES,
            opens_at=opens,
            closes_at=opens + timedelta(hours=4),
            dots_per_person=5,
            item_ids=[themes[0].pk, themes[1].pk],
            now=opens + timedelta(minutes=1),
        )


def test_ballot_form_view_creates_and_keeps_input_on_error(organizer_client, initiative):
    ideas = [IdeaFactory(initiative=initiative) for _ in range(2)]
    url = reverse("actions:ballot_add", args=[initiative.slug])
    assert organizer_client.get(url).status_code == 200
    bad = {
        "title_en": "Forum night",
        "kind": "ideas",
        "opens_at": "2031-05-01T18:00",
        "closes_at": "2031-05-01T17:00",
        "dots_per_person": "3",
        "ideas": [ideas[0].pk, ideas[1].pk],
    }
    response = organizer_client.post(url, bad)
    assert response.status_code == 200
    assert "Voting must close after it opens." in response.content.decode()
    assert "Forum night" in response.content.decode()
    response = organizer_client.post(url, {**bad, "closes_at": "2031-05-01T21:00"})
    assert response.status_code == 302
    ballot = Ballot.objects.get()
    # Entered in the initiative's time zone (America/Chicago: UTC−5 in May).
    assert ballot.opens_at.astimezone(datetime.UTC).hour == 23
    edit = reverse("actions:ballot_edit", args=[initiative.slug, ballot.pk])
    assert "Forum night" in organizer_client.get(edit).content.decode()
    response = organizer_client.post(
        edit, {**bad, "closes_at": "2031-05-01T22:00", "title_en": "X"}
    )
    assert response.status_code == 302
    ballot.refresh_from_db()
    assert ballot.title == "X"


def test_ballot_list_shows_status(organizer_client, initiative):
    now = timezone.now()
    BallotFactory(
        initiative=initiative,
        title="Past",
        opens_at=now - timedelta(days=3),
        closes_at=now - timedelta(days=2),
    )
    BallotFactory(initiative=initiative, title="Now")
    BallotFactory(
        initiative=initiative,
        title="Later",
        opens_at=now + timedelta(days=2),
        closes_at=now + timedelta(days=3),
    )
    page = organizer_client.get(reverse("actions:forum", args=[initiative.slug])).content.decode()
    for text in ("Past", "Now", "Later", "Closed", "Open", "Upcoming"):
        assert text in page


# --- voting through the manage link --------------------------------------------------------------


def test_vote_change_and_dots_shown(client, initiative):
    ballot = open_ballot(initiative)
    a, b, c = items_of(ballot)
    person = ParticipantFactory(initiative=initiative)
    url = token_url(person)
    assert "Vote at the action forum" in client.get(url).content.decode()
    response = client.post(url, vote_post(ballot, {a: 2, b: 1, c: 0}))
    assert response.status_code == 302
    kept = BallotDot.objects.get(item=b).pk
    response = client.post(url, vote_post(ballot, {a: 0, b: 1, c: 2}))
    assert response.status_code == 302
    assert BallotResponse.objects.filter(ballot=ballot).count() == 1
    assert dict(BallotDot.objects.values_list("item_id", "dots")) == {b.pk: 1, c.pk: 2}
    assert BallotDot.objects.get(item=b).pk == kept  # an unchanged dot keeps its row
    page = client.get(url).content.decode()
    assert "Change my vote" in page
    assert ActivityLogEntry.objects.filter(action="ballot.voted").count() == 2
    assert person.name not in "".join(
        ActivityLogEntry.objects.values_list("target_label", flat=True)
    )


def test_too_many_dots_is_a_form_error_with_input_kept(client, initiative):
    ballot = open_ballot(initiative)
    a, b, c = items_of(ballot)
    person = ParticipantFactory(initiative=initiative)
    response = client.post(token_url(person), vote_post(ballot, {a: 2, b: 2, c: 1}))
    assert response.status_code == 200
    page = response.content.decode()
    assert "You gave 5 dots: each person has 3." in page
    assert f'name="item_{a.pk}" value="2"' in page
    assert not BallotResponse.objects.exists()
    with pytest.raises(DomainError, match="You gave 4 dots"):
        forum.vote_submit(ballot=ballot, participant=person, dots={a.pk: 2, b.pk: 2})
    with pytest.raises(DomainError, match="at least one dot"):
        forum.vote_submit(ballot=ballot, participant=person, dots={a.pk: 0})
    with pytest.raises(DomainError, match="not on this ballot"):
        forum.vote_submit(ballot=ballot, participant=person, dots={999999: 1})


@pytest.mark.parametrize(
    ("shift", "message"),
    [(timedelta(days=1), "Voting opens on"), (timedelta(days=-5), "Voting closed on")],
)
def test_voting_outside_the_window_is_refused_with_a_reason(client, initiative, shift, message):
    now = timezone.now()
    ballot = open_ballot(
        initiative, opens_at=now + shift, closes_at=now + shift + timedelta(days=2)
    )
    a = items_of(ballot)[0]
    person = ParticipantFactory(initiative=initiative)
    url = token_url(person)
    assert message in client.get(url).content.decode()
    response = client.post(url, vote_post(ballot, {a: 1}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not BallotResponse.objects.exists()


def test_window_is_checked_at_the_moment_of_voting(initiative):
    ballot = open_ballot(initiative)
    a = items_of(ballot)[0]
    person = ParticipantFactory(initiative=initiative)
    with pytest.raises(DomainError, match="Voting closed on"):
        forum.vote_submit(ballot=ballot, participant=person, dots={a.pk: 1}, now=ballot.closes_at)


def test_withdrawn_and_foreign_participants_cannot_vote(client, initiative):
    ballot = open_ballot(initiative)
    a = items_of(ballot)[0]
    gone = ParticipantFactory(initiative=initiative, status=Status.WITHDRAWN)
    with pytest.raises(DomainError, match="withdrew"):
        forum.vote_submit(ballot=ballot, participant=gone, dots={a.pk: 1})
    url = token_url(gone)
    assert "cannot vote" in client.get(url).content.decode()
    client.post(url, vote_post(ballot, {a: 1}))
    stranger = ParticipantFactory()
    with pytest.raises(DomainError):
        forum.vote_submit(ballot=ballot, participant=stranger, dots={a.pk: 1})
    assert not BallotResponse.objects.exists()


def test_bad_token_is_404_and_no_ballot_says_so(client, initiative):
    assert client.get("/registration/not-a-token/forum/").status_code == 404
    person = ParticipantFactory(initiative=initiative)
    page = client.get(token_url(person)).content.decode()
    assert "There is no vote yet" in page
    # A ballot of another initiative is not shown and cannot be voted on.
    other = open_ballot(InitiativeFactory())
    response = client.post(token_url(person), vote_post(other, {items_of(other)[0]: 1}))
    assert response.status_code == 302
    assert not BallotResponse.objects.exists()


def test_manage_page_links_to_the_forum_unless_withdrawn(client, initiative):
    person = ParticipantFactory(initiative=initiative)
    manage = reverse("participants:manage", args=[make_token(person, MANAGE_SALT)])
    assert "Vote at the action forum" in client.get(manage).content.decode()
    gone = ParticipantFactory(initiative=initiative, status=Status.WITHDRAWN)
    manage = reverse("participants:manage", args=[make_token(gone, MANAGE_SALT)])
    assert "Vote at the action forum" not in client.get(manage).content.decode()


# --- paper votes -----------------------------------------------------------------------------


def test_paper_vote_search_enter_and_replace_online_vote(organizer_client, organizer, initiative):
    ballot = open_ballot(initiative)
    a, b, c = items_of(ballot)
    person = ParticipantFactory(initiative=initiative, name="Rosa Delgado")
    ParticipantFactory(initiative=initiative, name="Rosa Withdrawn", status=Status.WITHDRAWN)
    url = reverse("actions:paper_vote", args=[initiative.slug, ballot.pk])
    page = organizer_client.get(url, {"q": "rosa"}).content.decode()
    assert "Rosa Delgado" in page
    assert "Rosa Withdrawn" not in page

    add_response(ballot, person, {a: 3})
    page = organizer_client.get(url, {"participant": person.pk}).content.decode()
    assert "already voted online" in page
    data = {"participant": person.pk, f"item_{a.pk}": "1", f"item_{b.pk}": "2"}
    response = organizer_client.post(url, data)
    assert response.status_code == 200
    assert "Tick “replace”" in response.content.decode()
    assert dict(BallotDot.objects.values_list("item_id", "dots")) == {a.pk: 3}

    response = organizer_client.post(url, {**data, "replace": "on"})
    assert response.status_code == 302
    saved = BallotResponse.objects.get()
    assert (saved.channel, saved.entered_by) == (VoteChannel.PAPER, organizer)
    assert dict(BallotDot.objects.values_list("item_id", "dots")) == {a.pk: 1, b.pk: 2}
    assert ActivityLogEntry.objects.filter(action="ballot.paper_vote_entered").exists()


def test_paper_vote_validates_like_online(organizer_client, organizer, initiative):
    ballot = open_ballot(initiative)
    a, b, _c = items_of(ballot)
    person = ParticipantFactory(initiative=initiative)
    url = reverse("actions:paper_vote", args=[initiative.slug, ballot.pk])
    response = organizer_client.post(
        url, {"participant": person.pk, f"item_{a.pk}": "3", f"item_{b.pk}": "2"}
    )
    assert "You gave 5 dots" in response.content.decode()
    response = organizer_client.post(url, {"participant": "abc", f"item_{a.pk}": "1"})
    assert response.status_code == 404
    foreign = ParticipantFactory()
    response = organizer_client.post(url, {"participant": foreign.pk, f"item_{a.pk}": "1"})
    assert response.status_code == 404
    assert not BallotResponse.objects.exists()


# --- results -----------------------------------------------------------------------------------


def test_results_rank_by_dots_with_voter_counts(organizer_client, initiative):
    ballot = open_ballot(initiative)
    a, b, c = items_of(ballot)
    for _ in range(12):
        add_response(ballot, ParticipantFactory(initiative=initiative), {b: 2, c: 1})
    for _ in range(3):
        add_response(ballot, ParticipantFactory(initiative=initiative), {a: 3})
    results = forum_selectors.ballot_results(ballot=ballot, sees_people=True)
    assert [(row.item.pk, row.dots, row.voters) for row in results.rows] == [
        (b.pk, 24, 12),
        (c.pk, 12, 12),
        (a.pk, 9, 3),
    ]
    assert (results.voters, results.dots) == (15, 45)
    page = organizer_client.get(
        reverse("actions:ballot_results", args=[initiative.slug, ballot.pk])
    ).content.decode()
    assert page.index(str(b)) < page.index(str(c)) < page.index(str(a))


def test_results_suppress_small_voter_counts_for_roles_without_the_roster(
    client, initiative, member_of
):
    ballot = open_ballot(initiative)
    a, b, c = items_of(ballot)
    for _ in range(11):
        add_response(ballot, ParticipantFactory(initiative=initiative), {b: 1})
    add_response(ballot, ParticipantFactory(initiative=initiative), {a: 3})
    results = forum_selectors.ballot_results(ballot=ballot, sees_people=False)
    by_item = {row.item.pk: row for row in results.rows}
    assert by_item[b.pk].voters == 11
    assert by_item[a.pk].voters is None
    assert by_item[a.pk].voters_suppressed
    assert by_item[c.pk].voters == 0  # a zero reveals no one
    assert results.voters == 12

    lead = member_of(initiative, Role.COALITION_LEAD)
    client.force_login(lead)
    page = client.get(
        reverse("actions:ballot_results", args=[initiative.slug, ballot.pk])
    ).content.decode()
    assert "are hidden" in page

    few = open_ballot(initiative)
    add_response(few, ParticipantFactory(initiative=initiative), {items_of(few)[0]: 1})
    results = forum_selectors.ballot_results(ballot=few, sees_people=False)
    assert results.voters is None
    assert results.voters_suppressed


# --- who may open what -------------------------------------------------------------------------

READ = PERMISSIONS["forum.manage"] | PERMISSIONS["ideas.manage"]
URLS = {
    "forum": ("get", READ),
    "ballot_results": ("get", READ),
    "ballot_add": ("post", PERMISSIONS["forum.manage"]),
    "ballot_edit": ("post", PERMISSIONS["forum.manage"]),
    "paper_vote": ("post", PERMISSIONS["forum.manage"]),
}


def test_every_forum_url_is_listed():
    from actions.urls import forum as forum_urls

    assert {p.name for p in forum_urls.urlpatterns} == set(URLS) | {"participant_forum"}


def _url(name, initiative, ballot):
    args = [initiative.slug] + ([ballot.pk] if name not in ("forum", "ballot_add") else [])
    return reverse(f"actions:{name}", args=args)


@pytest.mark.parametrize("url_name", sorted(URLS))
def test_member_of_another_initiative_gets_404(client, initiative, other_initiative, url_name):
    ballot = open_ballot(initiative)
    client.force_login(MembershipFactory(initiative=other_initiative).user)
    assert client.get(_url(url_name, initiative, ballot)).status_code == 404
    # And a ballot of another initiative under one's own slug is 404 too.
    if url_name not in ("forum", "ballot_add"):
        own = reverse(f"actions:{url_name}", args=[other_initiative.slug, ballot.pk])
        assert client.get(own).status_code == 404


# --- query counts ------------------------------------------------------------------------------


def test_ballot_list_queries_do_not_grow(organizer_client, initiative):
    open_ballot(initiative)

    def add_rows():
        for _ in range(10):
            open_ballot(initiative, n_items=2)

    assert_queries_do_not_grow(
        organizer_client, reverse("actions:forum", args=[initiative.slug]), add_rows, limit=12
    )


def test_results_queries_do_not_grow(organizer_client, initiative):
    ballot = open_ballot(initiative, n_items=2)
    add_response(ballot, ParticipantFactory(initiative=initiative), {items_of(ballot)[0]: 1})

    def add_rows():
        for position in range(20):
            BallotItem.objects.create(
                ballot=ballot, idea=IdeaFactory(initiative=initiative), position=10 + position
            )
        items = items_of(ballot)
        for index in range(20):
            add_response(
                ballot,
                ParticipantFactory(initiative=initiative),
                {items[index % len(items)]: 2, items[(index + 1) % len(items)]: 1},
            )

    url = reverse("actions:ballot_results", args=[initiative.slug, ballot.pk])
    assert_queries_do_not_grow(organizer_client, url, add_rows, limit=12)


def test_participant_page_queries_do_not_grow(client, initiative):
    person = ParticipantFactory(initiative=initiative)
    ballot = open_ballot(initiative, n_items=2)
    add_response(ballot, person, {items_of(ballot)[0]: 1})

    def add_rows():
        for position in range(20):
            BallotItem.objects.create(
                ballot=ballot, idea=IdeaFactory(initiative=initiative), position=10 + position
            )
        for _ in range(5):
            other = open_ballot(initiative, n_items=5)
            add_response(other, person, {items_of(other)[1]: 2})
            add_response(other, ParticipantFactory(initiative=initiative), {items_of(other)[0]: 1})

    assert_queries_do_not_grow(client, token_url(person), add_rows, limit=12)


def test_paper_vote_page_queries_do_not_grow(organizer_client, initiative):
    ballot = open_ballot(initiative, n_items=2)
    person = ParticipantFactory(initiative=initiative, name="Ana Ruiz")
    add_response(ballot, person, {items_of(ballot)[0]: 1})
    url = reverse("actions:paper_vote", args=[initiative.slug, ballot.pk])

    def add_rows():
        for position in range(20):
            BallotItem.objects.create(
                ballot=ballot, idea=IdeaFactory(initiative=initiative), position=10 + position
            )
        for n in range(15):
            ParticipantFactory(initiative=initiative, name=f"Ana Person {n}")

    assert_queries_do_not_grow(
        organizer_client, f"{url}?participant={person.pk}", add_rows, limit=14
    )
    assert_queries_do_not_grow(organizer_client, f"{url}?q=ana", lambda: None, limit=14)
