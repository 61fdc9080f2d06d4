"""Action ideas and themes: bringing in ideas from approved session logs (idempotent, keeping
the source circle and meeting), adding, themes, bulk theming, merging duplicates (every source
kept, refusals change nothing), the public flag; 404 across initiatives,
flat query counts and field errors on bad input."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from actions.models import (
    ActionTeam,
    Ballot,
    BallotItem,
    Idea,
    IdeaSource,
    Level,
    Theme,
)
from actions.selectors import ideas as selectors
from actions.services import ideas as services
from dialogue_hub.exceptions import DomainError
from guides.models import ActionIdea, LogStatus
from initiatives.models import ActivityLogEntry, Role

from ..factories import (
    CircleFactory,
    CircleMemberFactory,
    CircleSessionFactory,
    IdeaFactory,
    InitiativeFactory,
    MembershipFactory,
    SessionLogFactory,
    ThemeFactory,
    UserFactory,
)
from ..helpers import assert_queries_do_not_grow

pytestmark = pytest.mark.django_db


# --- factories -----------------------------------------------------------------------------------


def approved_log(initiative, *, circle=None, ideas=("Idea one", "Idea two"), **meeting_kwargs):
    circle = circle or CircleFactory(initiative=initiative)
    log = SessionLogFactory(
        meeting=CircleSessionFactory(circle=circle, **meeting_kwargs),
        status=LogStatus.APPROVED,
        approved_at=timezone.now(),
    )
    for position, text in enumerate(ideas):
        ActionIdea.objects.create(log=log, text=text, position=position)
    return log


def idea_with_sources(initiative, count=2, **kwargs):
    idea = IdeaFactory(initiative=initiative, **kwargs)
    log = approved_log(initiative, ideas=[f"{idea.text} source {i}" for i in range(count)])
    for action_idea in log.action_ideas.all():
        IdeaSource.objects.create(idea=idea, action_idea=action_idea)
    return idea


def actions_logged(initiative, action):
    return ActivityLogEntry.objects.filter(initiative=initiative, action=action)


# --- collecting ----------------------------------------------------------------------------------


def test_collect_brings_in_approved_ideas_once_and_keeps_their_source(initiative, organizer):
    circle = CircleFactory(initiative=initiative, name="Eastside Tuesday")
    log = approved_log(initiative, circle=circle, ideas=["Walk with officers", "Youth league"])
    # Not approved: not brought in.
    draft = SessionLogFactory(meeting=CircleSessionFactory(circle=circle))
    ActionIdea.objects.create(log=draft, text="Draft idea")
    # Another initiative's approved log: not brought in.
    approved_log(InitiativeFactory(), ideas=["Elsewhere"])

    assert services.ideas_collect(user=organizer, initiative=initiative) == 2
    ideas = list(Idea.objects.filter(initiative=initiative).order_by("text"))
    assert [idea.text for idea in ideas] == ["Walk with officers", "Youth league"]
    for idea in ideas:
        (source,) = idea.sources.all()
        assert source.action_idea.log == log
        assert source.action_idea.log.meeting.circle == circle
    entry = actions_logged(initiative, "ideas.collected").get()
    assert entry.details == {"created": 2}
    assert entry.actor == organizer

    # Run again: nothing new, nothing logged.
    assert services.ideas_collect(user=organizer, initiative=initiative) == 0
    assert Idea.objects.filter(initiative=initiative).count() == 2
    assert actions_logged(initiative, "ideas.collected").count() == 1

    # A newly approved log adds only its own ideas.
    approved_log(initiative, circle=circle, ideas=["Third"])
    assert services.ideas_collect(user=organizer, initiative=initiative) == 1
    assert IdeaSource.objects.filter(idea__initiative=initiative).count() == 3


def test_collect_skips_action_ideas_already_merged_elsewhere(initiative, organizer):
    approved_log(initiative, ideas=["A", "B"])
    services.ideas_collect(user=organizer, initiative=initiative)
    a, b = Idea.objects.filter(initiative=initiative).order_by("text")
    services.ideas_merge(user=organizer, initiative=initiative, kept=a, merged=[b])
    assert services.ideas_collect(user=organizer, initiative=initiative) == 0
    assert a.sources.count() == 2


def test_collect_view_is_idempotent(organizer_client, initiative):
    approved_log(initiative)
    url = reverse("actions:ideas_collect", args=[initiative.slug])
    assert organizer_client.post(url).status_code == 302
    assert organizer_client.post(url).status_code == 302
    assert Idea.objects.filter(initiative=initiative).count() == 2
    assert organizer_client.get(url).status_code == 405


# --- adding, themes --------------------------------------------------------------------------------


def test_add_an_idea_by_hand_with_theme_and_level(organizer_client, organizer, initiative):
    theme = ThemeFactory(initiative=initiative)
    response = organizer_client.post(
        reverse("actions:idea_add", args=[initiative.slug]),
        {
            "text_en": "  A  youth   advisory board ",
            "theme": theme.pk,
            "level": Level.INSTITUTIONAL,
        },
    )
    assert response.status_code == 302
    idea = Idea.objects.get(initiative=initiative)
    assert (idea.text, idea.theme, idea.level, idea.added_by) == (
        "A youth advisory board",
        theme,
        "institutional",
        organizer,
    )
    assert idea.sources.count() == 0
    assert actions_logged(initiative, "idea.added").get().target_label == f"#{idea.pk}"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"text_en": ""}, "text_en"),
        ({"text_en": "   "}, "text_en"),
        ({"text_en": "x" * 1001}, "text_en"),
        ({"text_en": "Fine", "level": "galactic"}, "level"),
        ({"text_en": "Fine", "theme": "999999"}, "theme"),
        ({"text_en": "Fine", "theme": "abc"}, "theme"),
    ],
)
def test_adding_a_bad_idea_shows_field_errors(organizer_client, initiative, data, field):
    response = organizer_client.post(reverse("actions:idea_add", args=[initiative.slug]), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Idea.objects.exists()


def test_a_theme_of_another_initiative_is_not_a_choice(organizer_client, initiative):
    foreign = ThemeFactory(initiative=InitiativeFactory())
    response = organizer_client.post(
        reverse("actions:idea_add", args=[initiative.slug]), {"text_en": "x", "theme": foreign.pk}
    )
    assert "theme" in response.context["form"].errors
    with pytest.raises(DomainError):
        services.idea_create(user=None, initiative=initiative, text="x", theme=foreign)
    assert not Idea.objects.exists()


def test_theme_create_rename_delete(organizer_client, initiative):
    themes_url = reverse("actions:themes", args=[initiative.slug])
    assert organizer_client.post(themes_url, {"name_en": "Youth"}).status_code == 302
    theme = Theme.objects.get(initiative=initiative)
    idea = IdeaFactory(initiative=initiative, theme=theme)

    # Duplicate name (any case): a field error, input kept.
    response = organizer_client.post(themes_url, {"name_en": " youth "})
    assert response.status_code == 200
    assert "name_en" in response.context["form"].errors
    assert response.context["form"]["name_en"].value() == " youth "
    assert organizer_client.post(themes_url, {"name_en": ""}).context["form"].errors["name_en"]

    edit = reverse("actions:theme_edit", args=[initiative.slug, theme.pk])
    assert organizer_client.get(edit).status_code == 200
    assert organizer_client.post(edit, {"name_en": "Young people"}).status_code == 302
    theme.refresh_from_db()
    assert theme.name == "Young people"

    delete = reverse("actions:theme_delete", args=[initiative.slug, theme.pk])
    assert organizer_client.post(delete).status_code == 302
    assert not Theme.objects.exists()
    idea.refresh_from_db()
    assert idea.theme is None
    assert [e.action for e in ActivityLogEntry.objects.filter(action__startswith="theme.")] == [
        "theme.deleted",
        "theme.updated",
        "theme.created",
    ]


def test_rename_to_an_existing_name_is_a_field_error(organizer_client, initiative):
    ThemeFactory(initiative=initiative, name="Trust")
    theme = ThemeFactory(initiative=initiative, name="Youth")
    response = organizer_client.post(
        reverse("actions:theme_edit", args=[initiative.slug, theme.pk]), {"name_en": "TRUST"}
    )
    assert response.status_code == 200
    assert "name_en" in response.context["form"].errors
    theme.refresh_from_db()
    assert theme.name == "Youth"


def test_bulk_assign_ideas_to_a_theme_and_back(organizer_client, initiative):
    theme = ThemeFactory(initiative=initiative)
    a, b, c = IdeaFactory.create_batch(3, initiative=initiative)
    url = reverse("actions:ideas_assign", args=[initiative.slug])
    organizer_client.post(url, {"ideas": [a.pk, b.pk], "theme": theme.pk})
    assert set(theme.ideas.all()) == {a, b}
    organizer_client.post(url, {"ideas": [a.pk], "theme": ""})
    assert set(theme.ideas.all()) == {b}
    assert actions_logged(initiative, "ideas.themed").count() == 1
    assert actions_logged(initiative, "ideas.unthemed").count() == 1


def test_bulk_assign_refuses_other_initiatives_and_empty_choice(organizer_client, initiative):
    theme = ThemeFactory(initiative=initiative)
    mine = IdeaFactory(initiative=initiative)
    foreign = IdeaFactory()
    foreign_theme = ThemeFactory(initiative=foreign.initiative)
    url = reverse("actions:ideas_assign", args=[initiative.slug])
    for data in (
        {"ideas": [mine.pk, foreign.pk], "theme": theme.pk},
        {"ideas": [mine.pk], "theme": foreign_theme.pk},
        {"ideas": [], "theme": theme.pk},
        {"ideas": ["abc"], "theme": theme.pk},
    ):
        assert organizer_client.post(url, data).status_code == 302
    mine.refresh_from_db()
    foreign.refresh_from_db()
    assert mine.theme is None
    assert foreign.theme is None
    with pytest.raises(DomainError):
        services.ideas_assign_theme(
            user=None, initiative=initiative, ideas=[mine, foreign], theme=theme
        )
    assert not actions_logged(initiative, "ideas.themed").exists()


# --- merging -------------------------------------------------------------------------------------


def test_merge_keeps_every_source_and_hides_merged_ideas(organizer, initiative):
    kept, second, third = (idea_with_sources(initiative, 2) for _ in range(3))
    services.ideas_merge(
        user=organizer,
        initiative=initiative,
        kept=kept,
        merged=[second, third],
        text="A youth league with officers",
    )
    kept.refresh_from_db()
    assert kept.sources.count() == 6
    assert kept.text == "A youth league with officers"
    assert set(Idea.objects.filter(merged_into=kept)) == {second, third}
    assert list(selectors.idea_list(initiative=initiative)) == [kept]
    entry = actions_logged(initiative, "ideas.merged").get()
    assert entry.details["sources_moved"] == 4


def test_merge_without_new_text_keeps_the_kept_wording(organizer, initiative):
    kept = IdeaFactory(initiative=initiative, text="Keep me")
    other = IdeaFactory(initiative=initiative)
    services.ideas_merge(user=organizer, initiative=initiative, kept=kept, merged=[other])
    kept.refresh_from_db()
    assert kept.text == "Keep me"


def test_merge_moves_ballot_items_and_team_links_to_the_kept_idea(organizer, initiative):
    kept, dup = IdeaFactory.create_batch(2, initiative=initiative)
    now = timezone.now()
    ballot = Ballot.objects.create(
        initiative=initiative, title="Forum", opens_at=now, closes_at=now + timedelta(days=1)
    )
    item = BallotItem.objects.create(ballot=ballot, idea=dup)
    both = ActionTeam.objects.create(initiative=initiative, name="Both", level=Level.COMMUNITY)
    both.ideas.add(kept, dup)
    only_dup = ActionTeam.objects.create(initiative=initiative, name="Dup", level=Level.POLICY)
    only_dup.ideas.add(dup)

    services.ideas_merge(user=organizer, initiative=initiative, kept=kept, merged=[dup])

    item.refresh_from_db()
    assert item.idea == kept
    assert list(both.ideas.all()) == [kept]
    assert list(only_dup.ideas.all()) == [kept]


def snapshot_ideas():
    return sorted(
        Idea.objects.values_list("pk", "text", "merged_into_id", "theme_id", "initiative_id")
    ), sorted(IdeaSource.objects.values_list("pk", "idea_id"))


def test_merge_refusals_change_nothing(organizer, initiative):
    kept = idea_with_sources(initiative)
    dup = idea_with_sources(initiative)
    foreign = idea_with_sources(InitiativeFactory())
    already = IdeaFactory(initiative=initiative)
    services.ideas_merge(user=organizer, initiative=initiative, kept=dup, merged=[already])
    before = snapshot_ideas()

    cases = [
        {"kept": kept, "merged": [kept]},  # into itself
        {"kept": kept, "merged": [dup, kept]},
        {"kept": kept, "merged": []},
        {"kept": kept, "merged": [foreign]},  # another initiative
        {"kept": foreign, "merged": [dup]},
        {"kept": kept, "merged": [already]},  # already merged
        {"kept": already, "merged": [kept]},
        {"kept": kept, "merged": [dup], "text": "x" * 1001},
    ]
    for case in cases:
        with pytest.raises(DomainError):
            services.ideas_merge(user=organizer, initiative=initiative, **case)
    assert snapshot_ideas() == before
    assert actions_logged(initiative, "ideas.merged").count() == 1


def test_merge_view_merges_and_refuses_bad_input_with_field_errors(organizer_client, initiative):
    kept = idea_with_sources(initiative)
    dup = idea_with_sources(initiative)
    foreign = IdeaFactory()
    url = reverse("actions:ideas_merge", args=[initiative.slug])
    preselected = organizer_client.get(url + f"?ideas={kept.pk}&ideas={dup.pk}&ideas=x")
    assert preselected.status_code == 200
    assert preselected.context["form"].initial == {"kept": str(kept.pk), "merged": [str(dup.pk)]}

    before = snapshot_ideas()
    for data, field in (
        ({"kept": kept.pk, "merged": [kept.pk]}, "merged"),
        ({"kept": kept.pk, "merged": [foreign.pk]}, "merged"),
        ({"kept": foreign.pk, "merged": [dup.pk]}, "kept"),
        ({"kept": kept.pk}, "merged"),
        ({"kept": "zzz", "merged": ["1"]}, "kept"),
        ({"kept": kept.pk, "merged": [dup.pk], "text": "x" * 1001}, "text"),
    ):
        response = organizer_client.post(url, data)
        assert response.status_code == 200
        assert field in response.context["form"].errors, (data, response.context["form"].errors)
    assert snapshot_ideas() == before

    response = organizer_client.post(url, {"kept": kept.pk, "merged": [dup.pk], "text": ""})
    assert response.status_code == 302
    assert kept.sources.count() == 4


# --- public flag, editing ------------------------------------------------------------------------


def test_toggle_public(organizer_client, initiative):
    idea = IdeaFactory(initiative=initiative)
    url = reverse("actions:idea_public", args=[initiative.slug, idea.pk])
    organizer_client.post(url, {"is_public": "1"})
    idea.refresh_from_db()
    assert idea.is_public
    organizer_client.post(url, {"is_public": "0"})
    idea.refresh_from_db()
    assert not idea.is_public
    assert [e.action for e in actions_logged(initiative, "idea.published")] == ["idea.published"]
    assert actions_logged(initiative, "idea.unpublished").count() == 1


def test_edit_an_idea(organizer_client, initiative):
    idea = IdeaFactory(initiative=initiative)
    url = reverse("actions:idea_edit", args=[initiative.slug, idea.pk])
    assert organizer_client.get(url).status_code == 200
    response = organizer_client.post(url, {"text_en": "", "level": ""})
    assert "text_en" in response.context["form"].errors
    organizer_client.post(url, {"text_en": "Better words", "level": Level.POLICY})
    idea.refresh_from_db()
    assert (idea.text, idea.level) == ("Better words", "policy")


# --- the list ------------------------------------------------------------------------------------


def test_list_shows_sources_never_names_and_filters(client, initiative, member_of):
    circle = CircleFactory(initiative=initiative, name="Northside Circle")
    CircleMemberFactory(circle=circle, participant__name="Maria Lopez")
    log = approved_log(initiative, circle=circle, ideas=["Night bus"], title="Trust and safety")
    user = member_of(initiative, Role.ORGANIZER)
    services.ideas_collect(user=user, initiative=initiative)
    theme = ThemeFactory(initiative=initiative, name="Transit")
    themed = IdeaFactory(initiative=initiative, text="Bus shelter", theme=theme, level="policy")

    observer = member_of(initiative, Role.OBSERVER)
    client.force_login(observer)
    url = reverse("actions:ideas", args=[initiative.slug])
    response = client.get(url)
    body = response.content.decode()
    assert "Night bus" in body
    assert "Bus shelter" in body
    # Observers read the ideas, not where they came from (ideas.provenance).
    assert "Raised in 1 circle meeting" in body
    assert "Northside Circle" not in body
    assert "Trust and safety" not in body
    assert "Maria Lopez" not in body
    assert "Bring in new ideas" not in body  # observers only read
    client.force_login(user)
    body = client.get(url).content.decode()
    assert "Northside Circle" in body
    assert "Trust and safety" in body
    assert f"meeting {log.meeting.number}" in body
    assert "Maria Lopez" not in body
    client.force_login(observer)

    def texts(query):
        return [idea.text for idea in client.get(url + query).context["page_obj"]]

    assert texts(f"?theme={theme.pk}") == ["Bus shelter"]
    assert texts("?theme=none") == ["Night bus"]
    assert texts("?level=policy") == ["Bus shelter"]
    assert texts("?q=night") == ["Night bus"]
    # Unknown filter values are ignored, never a 500.
    for bad in ("?theme=abc", "?theme=99999999999999999999", "?level=x", "?page=zzz"):
        assert client.get(url + bad).status_code == 200
    assert themed in client.get(url + "?theme=abc").context["page_obj"]


def test_list_hides_merged_ideas_and_paginates(organizer_client, initiative):
    kept, dup = IdeaFactory.create_batch(2, initiative=initiative)
    services.ideas_merge(user=None, initiative=initiative, kept=kept, merged=[dup])
    IdeaFactory.create_batch(selectors.PAGE_SIZE, initiative=initiative)
    url = reverse("actions:ideas", args=[initiative.slug])
    page = organizer_client.get(url).context["page_obj"]
    assert page.paginator.count == selectors.PAGE_SIZE + 1
    assert dup not in page.object_list
    assert organizer_client.get(url + "?page=2").context["page_obj"].number == 2


def test_list_query_count_does_not_grow(client, initiative, member_of):
    theme = ThemeFactory(initiative=initiative)

    def add(n):
        for _ in range(n):
            idea_with_sources(initiative, 2, theme=theme, level="community")
            ThemeFactory(initiative=initiative)

    add(2)
    client.force_login(member_of(initiative, Role.ORGANIZER))
    assert_queries_do_not_grow(
        client, reverse("actions:ideas", args=[initiative.slug]), lambda: add(18), limit=20
    )


def test_themes_page_query_count_does_not_grow(organizer_client, initiative):
    def add(n):
        for _ in range(n):
            theme = ThemeFactory(initiative=initiative)
            IdeaFactory.create_batch(2, initiative=initiative, theme=theme)

    add(2)
    assert_queries_do_not_grow(
        organizer_client,
        reverse("actions:themes", args=[initiative.slug]),
        lambda: add(18),
        limit=15,
    )


# --- the feature's URLs (who may open each: tests/security/test_matrix.py)

# url name -> (method, permission, needs pk of: idea / theme / None)
IDEA_URLS = {
    "ideas": ("get", "initiative.view", None),
    "ideas_collect": ("post", "ideas.manage", None),
    "idea_add": ("get", "ideas.manage", None),
    "idea_edit": ("get", "ideas.manage", "idea"),
    "idea_public": ("post", "ideas.manage", "idea"),
    "ideas_assign": ("post", "ideas.manage", None),
    "ideas_merge": ("get", "ideas.manage", None),
    "themes": ("get", "ideas.manage", None),
    "theme_edit": ("get", "ideas.manage", "theme"),
    "theme_delete": ("post", "ideas.manage", "theme"),
}


def test_every_ideas_url_is_listed():
    from actions.urls import ideas as idea_urls

    assert {pattern.name for pattern in idea_urls.urlpatterns} == set(IDEA_URLS)


def snapshot(initiative):
    return (
        sorted(Idea.objects.values_list("pk", "text", "is_public", "theme_id", "merged_into_id")),
        sorted(Theme.objects.values_list("pk", "name")),
        ActivityLogEntry.objects.filter(initiative=initiative).count(),
    )


def url_for(url_name, initiative, objects):
    target = IDEA_URLS[url_name][2]
    args = [initiative.slug] + ([objects[target].pk] if target else [])
    return reverse(f"actions:{url_name}", args=args)


@pytest.mark.parametrize("url_name", sorted(IDEA_URLS))
def test_member_of_another_initiative_gets_404(client, initiative, url_name):
    method = IDEA_URLS[url_name][0]
    objects = {
        "idea": IdeaFactory(initiative=initiative),
        "theme": ThemeFactory(initiative=initiative),
    }
    outsider = UserFactory()
    MembershipFactory(user=outsider, initiative=InitiativeFactory(), role=Role.ORGANIZER)
    client.force_login(outsider)
    before = snapshot(initiative)
    response = getattr(client, method)(url_for(url_name, initiative, objects))
    assert response.status_code == 404
    assert snapshot(initiative) == before


@pytest.mark.parametrize("url_name", ["idea_edit", "idea_public", "theme_edit", "theme_delete"])
def test_objects_of_another_initiative_are_404(client, initiative, member_of, url_name):
    other = InitiativeFactory()
    objects = {"idea": IdeaFactory(initiative=other), "theme": ThemeFactory(initiative=other)}
    client.force_login(member_of(initiative, Role.ORGANIZER))
    before = snapshot(other)
    target = IDEA_URLS[url_name][2]
    url = reverse(f"actions:{url_name}", args=[initiative.slug, objects[target].pk])
    response = getattr(client, IDEA_URLS[url_name][0])(url, {"is_public": "1", "name": "x"})
    assert response.status_code == 404
    assert snapshot(other) == before


def test_nav_has_the_action_tab_for_every_role(client, initiative, member_of):
    for role in Role.values:
        client.force_login(member_of(initiative, role))
        response = client.get(reverse("actions:ideas", args=[initiative.slug]))
        assert reverse("actions:ideas", args=[initiative.slug]) in response.content.decode()


def test_a_theme_on_a_ballot_cannot_be_deleted_and_votes_stay():
    from datetime import timedelta

    from django.utils import timezone

    from actions.models import Ballot, BallotItem, Theme
    from actions.services import ideas as idea_services
    from dialogue_hub.exceptions import DomainError
    from initiatives.models import Initiative

    from ..factories import InitiativeFactory, MembershipFactory

    initiative = InitiativeFactory()
    organizer = MembershipFactory(initiative=initiative).user
    theme = Theme.objects.create(initiative=initiative, name="Youth and police")
    ballot = Ballot.objects.create(
        initiative=initiative,
        title="Forum",
        kind="themes",
        opens_at=timezone.now() - timedelta(days=1),
        closes_at=timezone.now() + timedelta(days=1),
    )
    BallotItem.objects.create(ballot=ballot, theme=theme)
    with pytest.raises(DomainError, match="Forum"):
        idea_services.theme_delete(user=organizer, theme=theme)
    assert Theme.objects.filter(pk=theme.pk).exists()
    Initiative.objects.filter(pk=initiative.pk).delete()  # the whole initiative can still go
    assert not Theme.objects.filter(pk=theme.pk).exists()


@pytest.mark.parametrize("value", ["99999999999999999999999", "²", "-1", "abc"])
def test_odd_ids_in_multi_selects_are_field_errors(client, value):
    """An id that is no row's among real ones is the multi-select's field error on a re-rendered
    form, never dropped: the real idea beside it is not merged (a silent merge answers 302)."""
    from django.utils.html import escape

    initiative = InitiativeFactory()
    kept, duplicate = IdeaFactory(initiative=initiative), IdeaFactory(initiative=initiative)
    client.force_login(MembershipFactory(initiative=initiative).user)
    response = client.post(
        reverse("actions:ideas_merge", args=[initiative.slug]),
        {"merged": [str(duplicate.pk), value], "kept": str(kept.pk)},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.has_error("merged", "invalid_pk_value"), form.errors.as_json()
    assert set(form.errors) == {"merged"}
    assert escape(form.errors["merged"][0]) in response.content.decode()
    assert list(Idea.objects.filter(merged_into__isnull=False)) == []
